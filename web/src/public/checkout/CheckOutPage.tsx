/** /checkout/:shelterId: check out later from the phone that checked in (S10 public 2). */
import { useMemo } from "preact/hooks";
import { checkInPath } from "../../app/routes";
import { Link } from "../../app/navigation";
import { FocusHeading } from "../../components/FocusHeading";
import { Notice } from "../../components/PublicLayout";
import { useDocumentTitle } from "../../components/useDocumentTitle";
import { usePublicText } from "../../i18n/context";
import { dateTimeLabel } from "../../i18n/format";
import { ShelterBanner, useShelter } from "../shelter";
import { localStorageOrUndefined, referenceOf, storedStay } from "../stays";
import { CheckOutPanel } from "./CheckOutPanel";

export function CheckOutPage({ shelterId }: { shelterId: string }) {
  const { t, lang } = usePublicText();
  useDocumentTitle(`${t("checkout.title")} | ${t("app.title")}`);
  const shelter = useShelter(shelterId);
  const stay = useMemo(() => {
    const storage = localStorageOrUndefined();
    return storage === undefined ? undefined : storedStay(storage, shelterId);
  }, [shelterId]);
  return (
    <>
      <FocusHeading>{t("checkout.heading")}</FocusHeading>
      <ShelterBanner shelter={shelter} label={t("checkin.shelter")} loading={t("checkin.loading")} />
      {stay === undefined ? (
        <>
          <Notice kind="info">
            <p>{t("checkout.none")}</p>
          </Notice>
          <p>
            <Link href={checkInPath(shelterId)} class="button button-secondary">
              {t("checkout.toCheckin")}
            </Link>
          </p>
        </>
      ) : (
        <>
          <p class="lead">{t("checkout.lead")}</p>
          <dl class="summary-list">
            <div class="summary-row">
              <dt>{t("done.reference")}</dt>
              <dd class="reference">{referenceOf(stay.stayId)}</dd>
            </div>
            {stay.checkedInAt !== undefined && (
              <div class="summary-row">
                <dt>{t("checkout.checkedInAt")}</dt>
                <dd>{dateTimeLabel(stay.checkedInAt, lang)}</dd>
              </div>
            )}
          </dl>
          <CheckOutPanel shelterId={shelterId} stay={stay} />
        </>
      )}
    </>
  );
}
