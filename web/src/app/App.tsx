import { useEffect } from "preact/hooks";
import { markInitialRenderDone } from "../components/FocusHeading";
import { PublicLayout } from "../components/PublicLayout";
import { LanguageProvider } from "../i18n/context";
import { CheckInPage } from "../public/checkin/CheckInPage";
import { CheckOutPage } from "../public/checkout/CheckOutPage";
import { HomePage, NotFoundPage } from "../public/HomePage";
import { StaffShell } from "../staff/StaffShell";
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
      return <StaffShell section={route.section} />;
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
