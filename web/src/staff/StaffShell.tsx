/**
 * The staff app's frame (S10): banner, navigation, main. The screens themselves (sign-in S10.1,
 * shelter list S10.3/S13, roster S10.4/S11, accounts S10.5, settings S10.7, home S10.9/S15)
 * arrive with the auth issue; until then every section says so.
 */
import { Link } from "../app/navigation";
import { STAFF_PATHS, type StaffSection } from "../app/routes";
import { FocusHeading } from "../components/FocusHeading";
import { Icon } from "../components/Icon";
import { LanguagePicker } from "../components/LanguagePicker";
import { useDocumentTitle } from "../components/useDocumentTitle";
import { useDocumentLang, useStaffText } from "../i18n/context";
import type { StaffKey } from "../i18n/staff";

const NAVIGATION: readonly { section: StaffSection; label: StaffKey }[] = [
  { section: "home", label: "staff.nav.home" },
  { section: "shelters", label: "staff.nav.shelters" },
  { section: "roster", label: "staff.nav.roster" },
  { section: "accounts", label: "staff.nav.accounts" },
  { section: "settings", label: "staff.nav.settings" },
];

const TITLES: Readonly<Record<StaffSection, StaffKey>> = {
  signIn: "staff.signIn.title",
  home: "staff.nav.home",
  shelters: "staff.nav.shelters",
  roster: "staff.nav.roster",
  accounts: "staff.nav.accounts",
  settings: "staff.nav.settings",
};

export function StaffShell({ section }: { section: StaffSection }) {
  const { t, lang } = useStaffText();
  useDocumentLang(lang);
  const title = t(TITLES[section]);
  useDocumentTitle(`${title} | ${t("staff.appName")}`);
  return (
    <div class="staff">
      <a class="skip-link" href="#main">
        {t("staff.skip")}
      </a>
      <header class="site-header staff-header">
        <div class="site-header-inner">
          <Link href={STAFF_PATHS.signIn} class="brand">
            <Icon name="user" />
            <span>{t("staff.appName")}</span>
          </Link>
          <LanguagePicker label="言語 / Language" staff />
        </div>
        <nav class="staff-nav" aria-label={t("staff.nav")}>
          <ul>
            {NAVIGATION.map(({ section: target, label }) => (
              <li key={target}>
                <Link href={STAFF_PATHS[target]} aria-current={target === section ? "page" : undefined}>
                  {t(label)}
                </Link>
              </li>
            ))}
            <li>
              <Link href={STAFF_PATHS.signIn} aria-current={section === "signIn" ? "page" : undefined}>
                {t("staff.nav.signIn")}
              </Link>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" class="page" tabIndex={-1}>
        <FocusHeading>{title}</FocusHeading>
        <p class="lead">{t(section === "signIn" ? "staff.signIn.lead" : "staff.placeholder.lead")}</p>
        <p>
          <Link href="/">{t("staff.publicLink")}</Link>
        </p>
      </main>
    </div>
  );
}
