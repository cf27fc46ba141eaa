/** The registration form itself (S16.2): name, sex, date of birth, address, contacts, statuses, message, consent. */
import { ErrorText, FieldGroup, RequirementBadge, TextField, describedBy } from "../../components/fields";
import { Icon } from "../../components/Icon";
import { usePublicText } from "../../i18n/context";
import { statusItemName } from "../../i18n/public/statusItems";
import { DateOfBirthField } from "./DateOfBirthField";
import { ErrorSummary } from "./ErrorSummary";
import { MAX_LENGTH, type CheckInForm, type FieldErrors, type FieldName } from "./form";
import { errorMessage } from "./messages";

const SEXES = ["female", "male", "other"] as const;

export function CheckInFormView({
  form,
  onChange,
  onSubmit,
  errors,
  attempt,
  problemTitle,
  statusItems,
  currentYear,
}: {
  form: CheckInForm;
  onChange: (patch: Partial<CheckInForm>) => void;
  onSubmit: () => void;
  errors: FieldErrors;
  /** Bumped at each failed submit, so the summary takes the focus again. */
  attempt: number;
  problemTitle: string | undefined;
  statusItems: readonly string[] | undefined;
  currentYear: number;
}) {
  const { t, lang } = usePublicText();
  const text = { required: t("required"), optional: t("optional") };
  const message = (field: FieldName) => {
    const error = errors[field];
    return error === undefined ? undefined : errorMessage(field, error, t, lang === "en");
  };
  const hasErrors = Object.keys(errors).length > 0;
  return (
    <form
      class="checkin-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
    >
      {(hasErrors || problemTitle !== undefined) && attempt > 0 && (
        <ErrorSummary errors={errors} title={problemTitle} attempt={attempt} />
      )}
      <p class="lead">{t("checkin.intro")}</p>

      <section class="form-section" aria-labelledby="section-name">
        <h2 id="section-name">{t("section.name")}</h2>
        <div class="field-row">
          <TextField
            id="familyName"
            label={t("field.familyName")}
            value={form.familyName}
            onValue={(familyName) => onChange({ familyName })}
            required
            text={text}
            error={message("familyName")}
            autocomplete="family-name"
            maxLength={MAX_LENGTH.name}
          />
          <TextField
            id="givenName"
            label={t("field.givenName")}
            value={form.givenName}
            onValue={(givenName) => onChange({ givenName })}
            required
            text={text}
            error={message("givenName")}
            autocomplete="given-name"
            maxLength={MAX_LENGTH.name}
          />
        </div>
        <div class="field-row">
          <TextField
            id="familyNameKana"
            label={t("field.familyNameKana")}
            value={form.familyNameKana}
            onValue={(familyNameKana) => onChange({ familyNameKana })}
            required={false}
            text={text}
            error={message("familyNameKana")}
            maxLength={MAX_LENGTH.name}
          />
          <TextField
            id="givenNameKana"
            label={t("field.givenNameKana")}
            value={form.givenNameKana}
            onValue={(givenNameKana) => onChange({ givenNameKana })}
            required={false}
            text={text}
            error={message("givenNameKana")}
            maxLength={MAX_LENGTH.name}
          />
        </div>
      </section>

      <FieldGroup id="sex" role="radiogroup" legend={t("field.sex")} required text={text} error={message("sex")}>
        <div class="choices choices-inline">
          {SEXES.map((sex) => (
            <label key={sex} class="choice" for={`sex-${sex}`}>
              <input
                type="radio"
                id={`sex-${sex}`}
                name="sex"
                value={sex}
                checked={form.sex === sex}
                onChange={() => onChange({ sex })}
                aria-describedby={describedBy(errors.sex !== undefined && "sex-error")}
              />
              <span>{t(`sex.${sex}`)}</span>
            </label>
          ))}
        </div>
      </FieldGroup>

      <DateOfBirthField
        id="dateOfBirth"
        value={{ year: form.birthYear, month: form.birthMonth, day: form.birthDay }}
        onChange={({ year, month, day }) => onChange({ birthYear: year, birthMonth: month, birthDay: day })}
        error={message("dateOfBirth")}
        lang={lang}
        currentYear={currentYear}
        text={{
          ...text,
          legend: t("field.dateOfBirth"),
          hint: t("dob.hint"),
          year: t("dob.year"),
          month: t("dob.month"),
          day: t("dob.day"),
          choose: t("dob.choose"),
          chooseShort: t("dob.chooseShort"),
        }}
      />

      <TextField
        id="address"
        label={t("field.address")}
        value={form.address}
        onValue={(address) => onChange({ address })}
        required
        text={text}
        hint={t("address.hint")}
        error={message("address")}
        autocomplete="street-address"
        maxLength={MAX_LENGTH.address}
      />

      <section class="form-section" aria-labelledby="section-contact">
        <h2 id="section-contact">{t("section.contact")}</h2>
        <TextField
          id="phone"
          type="tel"
          inputMode="tel"
          label={t("field.phone")}
          value={form.phone}
          onValue={(phone) => onChange({ phone })}
          required={false}
          text={text}
          hint={t("phone.hint")}
          error={message("phone")}
          autocomplete="tel"
        />
        <TextField
          id="email"
          type="email"
          inputMode="email"
          label={t("field.email")}
          value={form.email}
          onValue={(email) => onChange({ email })}
          required={false}
          text={text}
          hint={t("email.hint")}
          error={message("email")}
          autocomplete="email"
          spellcheck={false}
          autocapitalize="off"
        />
      </section>

      {/* An administrator may offer no status items at all (S10.7). */}
      {statusItems?.length !== 0 && (
        <FieldGroup
          id="statuses"
          legend={t("field.statuses")}
          required={false}
          text={text}
          hint={t("statuses.hint")}
          error={message("statuses")}
        >
          {statusItems === undefined ? (
            <p class="field-hint" role="status">
              {t("statuses.loading")}
            </p>
          ) : (
            <div class="choices">
              {statusItems.map((item, index) => (
                <label key={item} class="choice" for={`status-${index}`}>
                  <input
                    type="checkbox"
                    id={`status-${index}`}
                    name="statuses"
                    value={item}
                    checked={form.statuses.includes(item)}
                    onChange={(event) =>
                      onChange({
                        statuses: event.currentTarget.checked
                          ? statusItems.filter((candidate) => candidate === item || form.statuses.includes(candidate))
                          : form.statuses.filter((candidate) => candidate !== item),
                      })
                    }
                  />
                  <span lang={lang !== "ja" && lang !== "ja-easy" && statusItemName(item, lang) === item ? "ja" : undefined}>
                    {statusItemName(item, lang)}
                  </span>
                </label>
              ))}
            </div>
          )}
        </FieldGroup>
      )}

      <FieldGroup id="hasMessage" legend={t("field.hasMessage")} required={false} text={text} hint={t("hasMessage.question")}>
        <label class="choice" for="hasMessage">
          <input
            type="checkbox"
            id="hasMessage"
            checked={form.hasMessage}
            aria-controls="message-area"
            onChange={(event) => onChange({ hasMessage: event.currentTarget.checked })}
          />
          <span>{t("hasMessage.yes")}</span>
        </label>
        <div id="message-area" hidden={!form.hasMessage}>
          {form.hasMessage && (
            <TextField
              id="message"
              multiline
              label={t("field.message")}
              value={form.message}
              onValue={(text) => onChange({ message: text })}
              required={false}
              text={text}
              hint={t("message.hint")}
              error={message("message")}
              maxLength={MAX_LENGTH.message}
            />
          )}
        </div>
      </FieldGroup>

      <section class={errors.consent === undefined ? "consent" : "consent field-invalid"} aria-labelledby="consent-heading">
        <h2 id="consent-heading">{t("consent.heading")}</h2>
        <p id="consent-terms" class="consent-terms">
          {t("consent.terms")}
        </p>
        {errors.consent !== undefined && <ErrorText id="consent-error">{message("consent")}</ErrorText>}
        <label class="choice choice-strong" for="consent">
          <input
            type="checkbox"
            id="consent"
            checked={form.consent}
            onChange={(event) => onChange({ consent: event.currentTarget.checked })}
            aria-required="true"
            aria-invalid={errors.consent === undefined ? undefined : "true"}
            aria-describedby={describedBy(errors.consent !== undefined && "consent-error", "consent-terms")}
          />
          <span class="choice-text">
            {t("field.consent")} <RequirementBadge required text={text} />
          </span>
        </label>
      </section>

      <div class="actions">
        <button type="submit" class="button button-primary">
          <span>{t("action.toConfirm")}</span>
          <Icon name="arrowRight" />
        </button>
      </div>
    </form>
  );
}
