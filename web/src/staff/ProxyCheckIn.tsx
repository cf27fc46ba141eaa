/**
 * Proxy registration (代理登録, S1.6, S11): staff enter a person from a paper form; the service
 * records channel 2. The date of birth reuses the public form's three selects with the era
 * years; every refusal is the service's problem (title_ja / title and the fields in error).
 */
import { useState } from "preact/hooks";
import type { Sex, StaffCheckInCreate } from "../api/clients";
import { FieldGroup, TextField } from "../components/fields";
import { useLanguage, useStaffText } from "../i18n/context";
import { DateOfBirthField, type DateParts } from "../public/checkin/DateOfBirthField";
import { fieldLabelKey } from "./EntryEditor";
import type { StaffMessage } from "./messages";
import { ProblemNotice, useFieldErrors } from "./ProblemNotice";
import { useSession } from "./session";
import { useFieldText } from "./fieldText";

interface ProxyForm {
  family_name: string;
  given_name: string;
  family_name_kana: string;
  given_name_kana: string;
  address: string;
  dateOfBirth: DateParts;
  sex: Sex | "";
  phone: string;
  remarks: string;
}

const EMPTY: ProxyForm = {
  family_name: "",
  given_name: "",
  family_name_kana: "",
  given_name_kana: "",
  address: "",
  dateOfBirth: { year: "", month: "", day: "" },
  sex: "",
  phone: "",
  remarks: "",
};

const pad = (value: string) => value.padStart(2, "0");

/** The request body; incomplete answers go as they are, so the service names every field in error. */
export function proxyBody(form: ProxyForm): StaffCheckInCreate {
  const { year, month, day } = form.dateOfBirth;
  const optional = (value: string) => (value.trim() === "" ? null : value.trim());
  return {
    personal: {
      family_name: form.family_name.trim(),
      given_name: form.given_name.trim(),
      family_name_kana: optional(form.family_name_kana),
      given_name_kana: optional(form.given_name_kana),
      address: form.address.trim(),
      date_of_birth: year === "" || month === "" || day === "" ? "" : `${year}-${pad(month)}-${pad(day)}`,
      sex: form.sex as Sex,
      phone: optional(form.phone),
    },
    statuses: [],
    remarks: optional(form.remarks),
  };
}

export function ProxyCheckIn({ shelterId, onDone }: { shelterId: string; onDone: (name: string) => void }) {
  const { t } = useStaffText();
  const { lang } = useLanguage();
  const session = useSession();
  const [form, setForm] = useState<ProxyForm>(EMPTY);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<StaffMessage | null>(null);
  const fieldText = useFieldText();
  const errorOf = useFieldErrors(failure);
  const set = (patch: Partial<ProxyForm>) => setForm({ ...form, ...patch });

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    const outcome = await session.call(
      session.clients.registration.POST("/shelters/{shelter_id}/staff-check-ins", { params: { path: { shelter_id: shelterId } }, body: proxyBody(form) }),
    );
    setBusy(false);
    if (outcome.ok) {
      setForm(EMPTY);
      setFailure(null);
      onDone(`${form.family_name.trim()} ${form.given_name.trim()}`);
    } else {
      setFailure(outcome.message);
      document.getElementById("proxy-check-in-title")?.scrollIntoView({ block: "start" });
    }
  };

  return (
    <form id="proxy-check-in" class="proxy-form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="proxy-check-in-title">
      <h3 id="proxy-check-in-title">{t("staff.roster.proxyTitle")}</h3>
      {failure !== null && <ProblemNotice message={failure} fieldLabel={fieldLabelKey} />}
      <TextField id="proxy-family-name" label={t("staff.person.familyName")} value={form.family_name} onValue={(v) => set({ family_name: v })} required text={fieldText} maxLength={100} error={errorOf("family_name")} />
      <TextField id="proxy-given-name" label={t("staff.person.givenName")} value={form.given_name} onValue={(v) => set({ given_name: v })} required text={fieldText} maxLength={100} error={errorOf("given_name")} />
      <TextField id="proxy-family-kana" label={t("staff.person.familyNameKana")} value={form.family_name_kana} onValue={(v) => set({ family_name_kana: v })} required={false} text={fieldText} maxLength={100} error={errorOf("family_name_kana")} />
      <TextField id="proxy-given-kana" label={t("staff.person.givenNameKana")} value={form.given_name_kana} onValue={(v) => set({ given_name_kana: v })} required={false} text={fieldText} maxLength={100} error={errorOf("given_name_kana")} />
      <DateOfBirthField
        id="proxy-dob"
        value={form.dateOfBirth}
        onChange={(dateOfBirth) => set({ dateOfBirth })}
        error={errorOf("date_of_birth")}
        lang={lang === "en" ? "en" : "ja"}
        currentYear={new Date().getFullYear()}
        text={{
          ...fieldText,
          legend: t("staff.person.dateOfBirth"),
          hint: t("staff.person.dobHint"),
          year: t("staff.person.year"),
          month: t("staff.person.month"),
          day: t("staff.person.day"),
          choose: t("staff.person.choose"),
          chooseShort: t("staff.person.chooseShort"),
        }}
      />
      <FieldGroup id="proxy-sex" legend={t("staff.person.sex")} required text={fieldText} error={errorOf("sex") === undefined ? undefined : t("staff.person.sexError")} role="radiogroup">
        <div class="choices choices-inline">
          {(["female", "male", "other"] as const).map((sex) => (
            <label key={sex} class="choice">
              <input type="radio" name="proxy-sex" value={sex} checked={form.sex === sex} onChange={() => set({ sex })} />
              <span>{t(`staff.sex.${sex}`)}</span>
            </label>
          ))}
        </div>
      </FieldGroup>
      <TextField id="proxy-address" label={t("staff.person.address")} value={form.address} onValue={(v) => set({ address: v })} required text={fieldText} maxLength={200} error={errorOf("address")} />
      <TextField id="proxy-phone" label={t("staff.person.phone")} type="tel" value={form.phone} onValue={(v) => set({ phone: v })} required={false} text={fieldText} maxLength={30} error={errorOf("phone")} />
      <TextField id="proxy-remarks" label={t("staff.person.remarks")} value={form.remarks} onValue={(v) => set({ remarks: v })} required={false} text={fieldText} multiline maxLength={1000} error={errorOf("remarks")} />
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy} aria-busy={busy}>
          {t("staff.roster.proxySubmit")}
        </button>
      </div>
    </form>
  );
}
