import type { ComponentChildren } from "preact";
import { Link } from "../app/navigation";
import { useDocumentLang, usePublicText } from "../i18n/context";
import { Icon } from "./Icon";
import { LanguagePicker } from "./LanguagePicker";

/** The public pages' frame (S16): skip link, banner with the language picker, main, footer. */
export function PublicLayout({ children }: { children: ComponentChildren }) {
  const { t, lang } = usePublicText();
  useDocumentLang(lang);
  return (
    <>
      <a class="skip-link" href="#main">
        {t("app.skip")}
      </a>
      <header class="site-header">
        <div class="site-header-inner">
          <Link href="/" class="brand">
            <Icon name="home" />
            <span>{t("app.title")}</span>
          </Link>
          <LanguagePicker label={t("lang.label")} />
        </div>
      </header>
      <main id="main" class="page" tabIndex={-1}>
        {children}
      </main>
      <footer class="site-footer">
        <p>{t("app.footer")}</p>
      </footer>
    </>
  );
}

/** Where the person is in input → confirm → done (S16.2: a confirm page before submitting). */
export function Steps({ current }: { current: "form" | "confirm" | "done" }) {
  const { t } = usePublicText();
  const steps = ["form", "confirm", "done"] as const;
  return (
    <ol class="steps" aria-label={t("steps.label")}>
      {steps.map((step, index) => (
        <li key={step} class={step === current ? "step step-current" : "step"} aria-current={step === current ? "step" : undefined}>
          <span class="step-number" aria-hidden="true">
            {index + 1}
          </span>
          <span>{t(`steps.${step}`)}</span>
        </li>
      ))}
    </ol>
  );
}

/** A message that must be heard when it appears: errors (role=alert) or news (role=status). */
export function Notice({
  kind,
  children,
  id,
  focusable = false,
}: {
  kind: "error" | "info" | "success";
  children: ComponentChildren;
  id?: string;
  focusable?: boolean;
}) {
  return (
    <div
      id={id}
      class={`notice notice-${kind}`}
      role={kind === "error" ? "alert" : "status"}
      tabIndex={focusable ? -1 : undefined}
    >
      <Icon name={kind === "error" ? "alert" : kind === "success" ? "check" : "info"} />
      <div class="notice-body">{children}</div>
    </div>
  );
}
