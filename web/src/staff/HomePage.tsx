/**
 * Staff home (S10.9, S15): the situation at a glance from the stats service's totals (updated
 * live as check-ins arrive) and the links an administrator configured (registration's
 * `GET /settings/links`, each with a Japanese and an English label).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { MunicipalityTotals, ShelterPublic, ShelterStatistics } from "../api/clients";
import { Link } from "../app/navigation";
import { STAFF_PATHS } from "../app/routes";
import { FocusHeading } from "../components/FocusHeading";
import { AgeBandChart, ShelterMap, configuredTiles, type MapShelter } from "../components/visual";
import { useStaffText } from "../i18n/context";
import { readAllPages } from "../lib/paging";
import { createThrottle, type Throttle } from "../lib/throttle";
import { useLiveStatistics } from "./liveStats";
import type { StaffMessage } from "./messages";
import { ProblemNotice } from "./ProblemNotice";
import { QR_SHEET_PATH } from "./SheltersPage";
import { useSession } from "./session";

export interface HomeLink {
  readonly label_ja: string;
  readonly label_en: string;
  readonly url: string;
}

/** Only web links are shown (a configured `javascript:` URL would run in the staff's session). */
export function safeLinks(body: unknown): HomeLink[] {
  const links = (body as { links?: unknown } | null)?.links;
  if (!Array.isArray(links)) return [];
  return links.filter((link): link is HomeLink => {
    if (typeof link !== "object" || link === null) return false;
    const { label_ja: ja, label_en: en, url } = link as Record<string, unknown>;
    if (typeof ja !== "string" || typeof en !== "string" || typeof url !== "string") return false;
    try {
      const parsed = new URL(url, window.location.origin);
      return parsed.protocol === "https:" || parsed.protocol === "http:";
    } catch {
      return false;
    }
  });
}

/** A shelter on the map: its place from registration, its figures from the live statistics. */
export function mapShelterOf(shelter: ShelterPublic, statistics: ShelterStatistics | undefined): MapShelter {
  return {
    id: shelter.shelter_id,
    name: shelter.name,
    latitude: shelter.latitude ?? null,
    longitude: shelter.longitude ?? null,
    crowdingLevel: statistics?.crowding_level ?? null,
    present: statistics?.present ?? 0,
    capacity: shelter.capacity,
    occupancyRate: statistics?.occupancy_rate ?? null,
  };
}

export function HomePage() {
  const { t, lang } = useStaffText();
  const session = useSession();
  const live = useLiveStatistics(session);
  const tiles = configuredTiles();
  const [totals, setTotals] = useState<MunicipalityTotals | null>(null);
  const [failure, setFailure] = useState<StaffMessage | null>(null);
  const [links, setLinks] = useState<HomeLink[] | null>(null);
  const [shelters, setShelters] = useState<ShelterPublic[] | null>(null);

  // The totals again whenever a shelter's statistics change: at most once a second, also
  // during a surge of events (a throttle, not a debounce).
  const totalsReader = useRef<Throttle | null>(null);
  useEffect(() => {
    let cancelled = false;
    const throttle = createThrottle(() => {
      void session.call(session.clients.stats.GET("/totals")).then((outcome) => {
        if (cancelled) return;
        if (outcome.ok) {
          setTotals(outcome.data);
          setFailure(null);
        } else setFailure(outcome.message);
      });
    }, 1000);
    totalsReader.current = throttle;
    return () => {
      cancelled = true;
      throttle.cancel();
    };
  }, []);
  useEffect(() => totalsReader.current?.trigger(), [live.byId]);

  useEffect(() => {
    void readAllPages((offset, limit) => session.call(session.clients.registration.GET("/shelters", { params: { query: { limit, offset } } }))).then((outcome) => {
      if (outcome.ok) setShelters(outcome.data.filter((s) => session.seesAllShelters || session.principal?.shelters.includes(s.shelter_id) === true));
    });
    void session.json<unknown>("GET", "/api/registration/settings/links").then((outcome) => {
      setLinks(outcome.ok ? safeLinks(outcome.data) : []);
    });
  }, []);

  return (
    <>
      <FocusHeading>{t("staff.nav.home")}</FocusHeading>
      <p class="lead">{t("staff.home.lead")}</p>
      <section aria-labelledby="home-summary">
        <h2 id="home-summary">{t("staff.home.summary")}</h2>
        {failure !== null && <ProblemNotice message={failure} />}
        {totals === null ? (
          failure === null && <p role="status">{t("staff.loading")}</p>
        ) : (
          // Not a live region: every event would re-announce every figure to screen readers.
          <dl class="figures">
            <Figure label={t("staff.home.sheltersOpen")} value={t("staff.home.ofShelters", { open: totals.shelters_open, all: totals.shelters })} />
            <Figure label={t("staff.home.present")} value={t("staff.home.people", { count: totals.present })} />
            <Figure label={t("staff.home.households")} value={t("staff.home.householdCount", { count: totals.households })} />
            <Figure label={t("staff.home.capacityOpen")} value={t("staff.home.people", { count: totals.capacity_open })} />
            <Figure label={t("staff.home.checkedOut")} value={t("staff.home.people", { count: totals.checked_out })} />
          </dl>
        )}
        <p class="card-actions">
          <Link href={STAFF_PATHS.shelters} class="button button-secondary button-inline">
            {t("staff.home.toShelters")}
          </Link>
          {session.seesAllShelters && (
            <a class="button button-secondary button-inline" href={QR_SHEET_PATH} target="_blank" rel="noopener">
              {t("staff.shelters.qrAll")}
              <span class="visually-hidden">{t("staff.shelters.newTab")}</span>
            </a>
          )}
          {session.isAdministrator && (
            <Link href={STAFF_PATHS.disaster} class="button button-secondary button-inline" data-testid="to-disaster">
              {t("staff.nav.disaster")}
            </Link>
          )}
        </p>
        {totals !== null && totals.present > 0 && <AgeBandChart ageBands={totals.age_bands} lang={lang} idPrefix="home-ages" heading />}
      </section>
      <section aria-labelledby="home-links">
        <h2 id="home-links">{t("staff.home.links")}</h2>
        {links === null ? (
          <p role="status">{t("staff.loading")}</p>
        ) : links.length === 0 ? (
          <p>{t("staff.home.noLinks")}</p>
        ) : (
          <ul class="home-links">
            {links.map((link) => (
              <li key={link.url}>
                <a href={link.url} rel="noopener noreferrer" target="_blank">
                  {lang === "ja" ? link.label_ja : link.label_en}
                  <span class="visually-hidden">{t("staff.shelters.newTab")}</span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
      {shelters !== null && shelters.length > 0 && (
        <section aria-labelledby="home-map">
          <h2 id="home-map">{t("staff.home.map")}</h2>
          <ShelterMap
            shelters={shelters.map((shelter) => mapShelterOf(shelter, live.byId.get(shelter.shelter_id)))}
            lang={lang}
            tileTemplate={tiles.template}
            attribution={tiles.attribution}
            idPrefix="staff-home-map"
          />
        </section>
      )}
    </>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div class="figure">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
