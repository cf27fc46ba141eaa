/**
 * The staff app's frame (S10): banner with who is signed in, navigation, main. Every screen
 * but sign-in and password change needs a session; without one the sign-in form shows in place
 * and the screen follows once signed in (the address stays, so a reload or a link works).
 */
import { useEffect } from "preact/hooks";
import { Link, navigate } from "../app/navigation";
import { STAFF_PATHS, type StaffSection } from "../app/routes";
import { Icon } from "../components/Icon";
import { LanguagePicker } from "../components/LanguagePicker";
import { useDocumentTitle } from "../components/useDocumentTitle";
import { useDocumentLang, useStaffText } from "../i18n/context";
import type { StaffKey } from "../i18n/staff";
import { AccountsPage } from "./admin/AccountsPage";
import { LogsPage } from "./admin/LogsPage";
import { SettingsPage } from "./admin/SettingsPage";
import { ShelterAdminPage } from "./admin/ShelterAdminPage";
import { DisasterPage } from "./disaster/DisasterPage";
import { HomePage } from "./HomePage";
import { PasswordPage } from "./PasswordPage";
import { RosterPage } from "./RosterPage";
import { SessionProvider, useSession, type StaffRole } from "./session";
import { SheltersPage } from "./SheltersPage";
import { SignInPage } from "./SignInPage";
import "./staff.css";

interface NavigationItem {
  readonly section: StaffSection;
  readonly label: StaffKey;
  /** Roles that see the item; all staff when absent. */
  readonly roles?: readonly StaffRole[];
}

const NAVIGATION: readonly NavigationItem[] = [
  { section: "home", label: "staff.nav.home" },
  { section: "shelters", label: "staff.nav.shelters" },
  { section: "roster", label: "staff.nav.roster" },
  { section: "accounts", label: "staff.nav.accounts", roles: ["administrator"] },
  { section: "shelterAdmin", label: "staff.nav.shelterAdmin", roles: ["administrator"] },
  { section: "settings", label: "staff.nav.settings", roles: ["administrator"] },
  { section: "logs", label: "staff.nav.logs", roles: ["administrator"] },
  { section: "password", label: "staff.nav.password" },
];

const TITLES: Readonly<Record<StaffSection, StaffKey>> = {
  signIn: "staff.signIn.title",
  password: "staff.password.title",
  home: "staff.nav.home",
  shelters: "staff.nav.shelters",
  roster: "staff.nav.roster",
  accounts: "staff.nav.accounts",
  settings: "staff.nav.settings",
  shelterAdmin: "staff.nav.shelterAdmin",
  logs: "staff.nav.logs",
  disaster: "staff.nav.disaster",
};

/** The staff app: one session for every staff screen. */
export function StaffApp({ section, shelterId }: { section: StaffSection; shelterId?: string | undefined }) {
  return (
    <SessionProvider>
      <StaffShell section={section} shelterId={shelterId} />
    </SessionProvider>
  );
}

export function StaffShell({ section, shelterId }: { section: StaffSection; shelterId?: string | undefined }) {
  const { t, lang } = useStaffText();
  const session = useSession();
  useDocumentLang(lang);
  useDocumentTitle(`${t(TITLES[section])} | ${t("staff.appName")}`);
  const signedIn = session.status === "signedIn" && session.principal !== null;

  // The sign-in address once signed in: go home.
  useEffect(() => {
    if (signedIn && section === "signIn") navigate(STAFF_PATHS.home);
  }, [signedIn, section]);

  const role = session.principal?.role;
  const items = NAVIGATION.filter((item) => item.roles === undefined || (role !== undefined && item.roles.includes(role)));

  return (
    <div class="staff">
      <a class="skip-link" href="#main">
        {t("staff.skip")}
      </a>
      <header class="site-header staff-header">
        <div class="site-header-inner">
          <Link href={signedIn ? STAFF_PATHS.home : STAFF_PATHS.signIn} class="brand">
            <Icon name="home" />
            <span>{t("staff.appName")}</span>
          </Link>
          {/* The same words in both languages (found without reading the current one), each marked with its own. */}
          <LanguagePicker label="言語 / Language" labelLang="ja" staff />
        </div>
        {signedIn && session.principal !== null && (
          <nav class="staff-nav" aria-label={t("staff.nav")}>
            <ul>
              {items.map(({ section: target, label }) => (
                <li key={target}>
                  <Link href={STAFF_PATHS[target]} aria-current={target === section ? "page" : undefined}>
                    {t(label)}
                  </Link>
                </li>
              ))}
              <li class="staff-nav-user">
                <span class="staff-user">
                  <Icon name="user" />
                  <span>
                    {t("staff.signedInAs", { user: session.principal.userId, role: t(`staff.role.${session.principal.role}`) })}
                  </span>
                </span>
                <button type="button" class="staff-sign-out" onClick={() => void session.signOut().then(() => navigate(STAFF_PATHS.signIn))}>
                  <Icon name="door" />
                  <span>{t("staff.nav.signOut")}</span>
                </button>
              </li>
            </ul>
          </nav>
        )}
      </header>
      <main id="main" class="page staff-page" tabIndex={-1}>
        <Screen section={section} shelterId={shelterId} />
        <p class="staff-public-link">
          <Link href="/">{t("staff.publicLink")}</Link>
        </p>
      </main>
    </div>
  );
}

function Screen({ section, shelterId }: { section: StaffSection; shelterId?: string | undefined }) {
  const session = useSession();
  if (session.status === "checking") return <Checking />;
  if (section === "password") return <PasswordPage />;
  if (session.status !== "signedIn") {
    return <SignInPage afterSignIn={section === "signIn" ? STAFF_PATHS.home : undefined} />;
  }
  switch (section) {
    case "signIn":
    case "home":
      return <HomePage />;
    case "shelters":
      return <SheltersPage />;
    case "roster":
      return <RosterPage key={shelterId ?? ""} shelterId={shelterId} />;
    case "accounts":
      return <AccountsPage />;
    case "settings":
      return <SettingsPage />;
    case "shelterAdmin":
      return <ShelterAdminPage />;
    case "logs":
      return <LogsPage />;
    case "disaster":
      return <DisasterPage />;
  }
}

function Checking() {
  const { t } = useStaffText();
  return (
    <p class="lead" role="status">
      {t("staff.checking")}
    </p>
  );
}
