/** The done page: the stay id as a reference number, and check-out from here or later (S16, S10 public 2). */
import type { CheckInPublic } from "../../api/clients";
import { Notice } from "../../components/PublicLayout";
import { usePublicText } from "../../i18n/context";
import { CheckOutPanel } from "../checkout/CheckOutPanel";
import { referenceOf } from "../stays";

export function DoneView({ result }: { result: CheckInPublic }) {
  const { t } = usePublicText();
  return (
    <div class="done">
      <Notice kind="success">
        <p>{t("done.lead")}</p>
      </Notice>
      {result.training && (
        <Notice kind="info">
          <p>{t("checkin.training")}</p>
        </Notice>
      )}
      <div class="reference-card">
        <p class="reference-label" id="reference-label">
          {t("done.reference")}
        </p>
        <p class="reference" aria-labelledby="reference-label" data-testid="stay-reference">
          {referenceOf(result.stay_id)}
        </p>
        <p class="field-hint">{t("done.referenceHint")}</p>
        <details class="full-id">
          <summary>{t("done.fullId")}</summary>
          <p>
            <code data-testid="stay-id">{result.stay_id}</code>
          </p>
        </details>
      </div>
      <p>{t("done.checkoutLead")}</p>
      <CheckOutPanel shelterId={result.shelter_id} stay={{ stayId: result.stay_id, checkedInAt: result.checked_in_at }} />
    </div>
  );
}
