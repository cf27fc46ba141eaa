/**
 * A failed call, told in the reader's language with the other language underneath (Japanese
 * first, S10): the problem's title, its invalid fields and password-policy violations. It is an
 * alert, so a screen reader announces it when it appears.
 */
import type { ComponentChildren, JSX } from "preact";
import { Icon } from "../components/Icon";
import { useStaffText } from "../i18n/context";
import type { StaffKey } from "../i18n/staff";
import { fieldReasons, reasonText, violationText, type StaffMessage } from "./messages";

export function ProblemNotice({
  message,
  fieldLabel,
  children,
}: {
  message: StaffMessage;
  /** The form's label of a field the service named (`personal.address` -> 住所), when it has one. */
  fieldLabel?: (name: string) => StaffKey | undefined;
  children?: ComponentChildren;
}) {
  const { t, lang } = useStaffText();
  const primary = lang === "ja" ? message.title.ja : message.title.en;
  const secondary = lang === "ja" ? message.title.en : message.title.ja;
  return (
    <div class="notice notice-error" role="alert">
      <Icon name="alert" />
      <div class="notice-body">
        <p class="notice-title">{primary}</p>
        {secondary !== primary && (
          <p class="notice-secondary" lang={lang === "ja" ? "en" : "ja"}>
            {secondary}
          </p>
        )}
        {message.detail !== undefined && message.detail !== "" && message.detail !== message.title.en && (
          // The services write `detail` in English only.
          <p class="notice-detail" lang="en">
            {message.detail}
          </p>
        )}
        {message.fields.length > 0 && (
          <>
            <p>{t("staff.error.fields")}</p>
            <ul>
              {message.fields.map((field) => {
                const label = fieldLabel?.(field.name);
                return (
                  <li key={field.name}>
                    {label === undefined ? <code>{field.name}</code> : <strong>{t(label)}</strong>}
                    {t("staff.error.fieldSeparator")}
                    <span class="field-reason">
                      <FieldReason reason={field.reason} />
                    </span>
                  </li>
                );
              })}
            </ul>
          </>
        )}
        {message.violations.length > 0 && (
          <>
            <p>{t("staff.error.violations")}</p>
            <ul>
              {message.violations.map((violation) => {
                // The reader's language first, the other one after it, each with its own lang.
                const text = violationText(violation);
                const other = lang === "ja" ? "en" : "ja";
                return (
                  <li key={violation}>
                    {/* An unknown rule has only the service's English words. */}
                    <span lang={text.ja === text.en ? "en" : lang}>{text[lang]}</span>
                    {text.ja !== text.en && (
                      <>
                        {" "}
                        <span class="field-reason" lang={other}>
                          ({text[other]})
                        </span>
                      </>
                    )}
                  </li>
                );
              })}
            </ul>
          </>
        )}
        {children}
      </div>
    </div>
  );
}

/** A short success or status line, announced politely. */
export function StatusNotice({ children }: { children: ComponentChildren }) {
  return (
    <div class="notice notice-success" role="status">
      <Icon name="check" />
      <div class="notice-body">
        <p>{children}</p>
      </div>
    </div>
  );
}

/**
 * The error line of one form field from a failed call (review item 25): the service's reason for
 * that field in the reader's language, or, when the reason is not a known form, the generic
 * "check this" line with the service's English reason marked lang="en".
 */
export function FieldReason({ reason }: { reason: string }) {
  const { t, lang } = useStaffText();
  const text = reasonText(reason);
  if (text !== undefined) return <span lang={lang}>{text[lang]}</span>;
  if (lang === "en") return <span lang="en">{reason}</span>;
  return (
    <span>
      {t("staff.error.field")} <span lang="en">({reason})</span>
    </span>
  );
}

/** `errorOf(name)` for a form's fields: the failure's reason for that field, or undefined. */
export function useFieldErrors(failure: StaffMessage | null | undefined): (name: string) => JSX.Element | undefined {
  const reasons = fieldReasons(failure);
  return (name: string) => {
    const reason = reasons.get(name);
    return reason === undefined ? undefined : <FieldReason reason={reason} />;
  };
}
