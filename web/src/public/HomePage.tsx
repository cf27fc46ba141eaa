/** `/`: what the public app is for, and the way to the staff screens (S2.1, S16). */
import { Link } from "../app/navigation";
import { FocusHeading } from "../components/FocusHeading";
import { Icon } from "../components/Icon";
import { useDocumentTitle } from "../components/useDocumentTitle";
import { usePublicText } from "../i18n/context";

export function HomePage() {
  const { t } = usePublicText();
  useDocumentTitle(t("app.title"));
  return (
    <>
      <FocusHeading>{t("home.heading")}</FocusHeading>
      <p class="lead">{t("home.lead")}</p>
      <ul class="home-links">
        <li>
          <Link href="/search" class="button button-primary">
            <Icon name="user" />
            <span>{t("home.search")}</span>
          </Link>
        </li>
        <li>
          <Link href="/shelters" class="button button-primary">
            <Icon name="home" />
            <span>{t("home.shelters")}</span>
          </Link>
        </li>
      </ul>
      <p>
        <Link href="/staff" class="button button-secondary">
          <Icon name="user" />
          <span>{t("home.staff")}</span>
        </Link>
      </p>
    </>
  );
}

export function NotFoundPage() {
  const { t } = usePublicText();
  useDocumentTitle(`${t("notFound.title")} | ${t("app.title")}`);
  return (
    <>
      <FocusHeading>{t("notFound.title")}</FocusHeading>
      <p class="lead">{t("notFound.lead")}</p>
      <p>
        <Link href="/" class="button button-secondary">
          <Icon name="home" />
          <span>{t("notFound.home")}</span>
        </Link>
      </p>
    </>
  );
}
