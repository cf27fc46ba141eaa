/** The confirm page (S16.2: "confirm button shows the entries before submitting"). */
import { Icon } from "../../components/Icon";
import { Notice } from "../../components/PublicLayout";
import { usePublicText } from "../../i18n/context";
import { dateOfBirthLabel } from "../../i18n/format";
import { statusItemName } from "../../i18n/public/statusItems";
import type { ComponentChild } from "preact";
import type { CheckInCreate } from "../../api/clients";

export function ConfirmView({
  request,
  shelterName,
  submitting,
  problem,
  onBack,
  onSubmit,
}: {
  request: CheckInCreate;
  shelterName: string | undefined;
  submitting: boolean;
  problem: string | undefined;
  onBack: () => void;
  onSubmit: () => void;
}) {
  const { t, lang } = usePublicText();
  const { personal } = request;
  const none = <span class="muted">{t("confirm.none")}</span>;
  const rows: [string, ComponentChild][] = [
    ...(shelterName === undefined ? [] : [[t("checkin.shelter"), shelterName] as [string, ComponentChild]]),
    [t("field.familyName"), personal.family_name],
    [t("field.givenName"), personal.given_name],
    [t("field.familyNameKana"), personal.family_name_kana ?? none],
    [t("field.givenNameKana"), personal.given_name_kana ?? none],
    [t("field.sex"), t(`sex.${personal.sex}`)],
    [t("field.dateOfBirth"), dateOfBirthLabel(personal.date_of_birth, lang)],
    [t("field.address"), personal.address],
    [t("field.phone"), personal.phone ?? none],
    [t("field.email"), personal.email ?? none],
    [
      t("field.statuses"),
      request.statuses !== undefined && request.statuses.length > 0
        ? request.statuses.map((item) => statusItemName(item, lang)).join(t("list.separator"))
        : none,
    ],
    [t("field.message"), request.message ?? none],
    [t("consent.heading"), t("confirm.agreed")],
  ];
  return (
    <div class="confirm">
      <p class="lead">{t("confirm.lead")}</p>
      {problem !== undefined && (
        <Notice kind="error" focusable>
          <p>{problem}</p>
        </Notice>
      )}
      <dl class="summary-list">
        {rows.map(([label, value]) => (
          <div class="summary-row" key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <div class="actions actions-stacked">
        <button type="button" class="button button-primary" onClick={onSubmit} disabled={submitting} aria-busy={submitting}>
          <Icon name="check" />
          <span>{submitting ? t("action.submitting") : t("action.submit")}</span>
        </button>
        <button type="button" class="button button-secondary" onClick={onBack} disabled={submitting}>
          <Icon name="arrowLeft" />
          <span>{t("action.back")}</span>
        </button>
      </div>
    </div>
  );
}
