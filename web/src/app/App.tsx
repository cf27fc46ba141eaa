import { useEffect } from "preact/hooks";
import { markInitialRenderDone } from "../components/FocusHeading";
import { PublicLayout } from "../components/PublicLayout";
import { LanguageProvider } from "../i18n/context";
import { CheckInPage } from "../public/checkin/CheckInPage";
import { CheckOutPage } from "../public/checkout/CheckOutPage";
import { HomePage, NotFoundPage } from "../public/HomePage";
import { SearchPage } from "../public/search/SearchPage";
import { SheltersPage } from "../public/search/SheltersPage";
import { StaffApp } from "../staff/StaffShell";
import { usePathname } from "./navigation";
import { matchRoute } from "./routes";

export function App() {
  return (
    <LanguageProvider>
      <Pages />
    </LanguageProvider>
  );
}

function Pages() {
  const route = matchRoute(usePathname());
  useEffect(() => markInitialRenderDone(), []);
  switch (route.name) {
    case "staff":
      return <StaffApp section={route.section} shelterId={route.shelterId} />;
    case "checkin":
      return (
        <PublicLayout>
          <CheckInPage key={route.shelterId} shelterId={route.shelterId} />
        </PublicLayout>
      );
    case "checkout":
      return (
        <PublicLayout>
          <CheckOutPage key={route.shelterId} shelterId={route.shelterId} />
        </PublicLayout>
      );
    case "search":
      return (
        <PublicLayout>
          <SearchPage />
        </PublicLayout>
      );
    case "shelters":
      return (
        <PublicLayout>
          <SheltersPage />
        </PublicLayout>
      );
    case "home":
      return (
        <PublicLayout>
          <HomePage />
        </PublicLayout>
      );
    case "notFound":
      return (
        <PublicLayout>
          <NotFoundPage />
        </PublicLayout>
      );
  }
}
