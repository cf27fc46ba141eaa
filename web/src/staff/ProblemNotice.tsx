/**
 * A failed call, told in the reader's language with the other language underneath (Japanese
 * first, S10): the problem's title, its invalid fields and password-policy violations. It is an
 * alert, so a screen reader announces it when it appears.
 */
import type { ComponentChildren } from "preact";
import { Icon } from "../components/Icon";
import { useStaffText } from "../i18n/context";
import type { StaffKey } from "../i18n/staff";
import type { StaffMessage } from "./messages";

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
                    {label === undefined ? <code>{field.name}</code> : <strong>{t(label)}</strong>}{" "}
                    <span class="field-reason" lang="en">
                      ({field.reason})
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
              {message.violations.map((violation) => (
                <li key={violation} lang="en">
                  {violation}
                </li>
              ))}
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
