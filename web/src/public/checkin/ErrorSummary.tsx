import { useLayoutEffect, useRef } from "preact/hooks";
import { Icon } from "../../components/Icon";
import { usePublicText } from "../../i18n/context";
import { FIELDS, type FieldErrors } from "./form";
import { errorMessage, FIELD_FOCUS_IDS, FIELD_LABELS } from "./messages";

/**
 * The list of problems at the top of the form, announced (role=alert) and focused when the
 * person presses the button; each entry jumps to its field. `title` is the API's problem title.
 */
export function ErrorSummary({ errors, title, attempt }: { errors: FieldErrors; title?: string | undefined; attempt: number }) {
  const { t, lang } = usePublicText();
  const ref = useRef<HTMLDivElement>(null);
  const fields = FIELDS.filter((field) => errors[field] !== undefined);
  useLayoutEffect(() => {
    ref.current?.focus();
  }, [attempt]);
  return (
    <div ref={ref} class="notice notice-error error-summary" role="alert" tabIndex={-1} aria-labelledby="error-summary-title">
      <Icon name="alert" />
      <div class="notice-body">
        <h2 id="error-summary-title">{title ?? t("errors.summary", { count: fields.length })}</h2>
        {title !== undefined && fields.length > 0 && <p>{t("errors.summary", { count: fields.length })}</p>}
        <ul>
          {fields.map((field) => {
            const error = errors[field];
            if (error === undefined) return null;
            const target = FIELD_FOCUS_IDS[field];
            // Most messages name their field; the two generic ones get the label in front.
            const label = t(FIELD_LABELS[field]);
            const text = errorMessage(field, error, t, lang === "en");
            return (
              <li key={field}>
                <a
                  href={`#${target}`}
                  onClick={(event) => {
                    event.preventDefault();
                    const element = document.getElementById(target);
                    element?.focus();
                    element?.scrollIntoView({ block: "center" });
                  }}
                >
                  {error.kind === "tooLong" || error.kind === "server" ? `${label}: ${text}` : text}
                </a>
              </li>
            );
          })}
        </ul>
      </div>
    </div>
  );
}
