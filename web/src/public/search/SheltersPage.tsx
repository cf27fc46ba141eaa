/**
 * /shelters: the open shelters and how crowded they are (S13-S14, S16.1 "shelter list"), for
 * anyone: a map (offline drawing when no tile server is configured or reachable), the same
 * facts as a table, and per shelter its age bands and its occupancy over time.
 *
 * The statistics list has no coordinates, so each open shelter's position comes from the public
 * registration read (GET /api/registration/shelters/{id}), a few at a time.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { outcomeOf, registrationApi, statsApi, type StatsSchema } from "../../api/clients";
import { Link } from "../../app/navigation";
import { FocusHeading } from "../../components/FocusHeading";
import { Notice } from "../../components/PublicLayout";
import { useDocumentTitle } from "../../components/useDocumentTitle";
import { AgeBandChart, ShelterHistory, ShelterMap, configuredTiles, type MapShelter } from "../../components/visual";
import { usePublicText } from "../../i18n/context";
import { openEventStream } from "../../lib/eventStream";
import { readAllPages } from "../../lib/paging";

type Statistics = StatsSchema["ShelterStatisticsPublic"];

export interface OpenShelter {
  readonly statistics: Statistics;
  readonly latitude: number | null;
  readonly longitude: number | null;
}

export type State = { readonly state: "loading" } | { readonly state: "failed" } | { readonly state: "loaded"; readonly shelters: readonly OpenShelter[] };

/** Positions are looked up for at most this many shelters, this many at a time. */
const MAX_POSITIONS = 200;
const PARALLEL = 4;

type Position = { latitude: number | null; longitude: number | null };

/** Positions already looked up while the page is open: they rarely change, and every reload (a
 * shelter opening or closing) would otherwise ask for all of them again. */
const knownPositions = new Map<string, Position>();

async function positions(ids: readonly string[]): Promise<Map<string, Position>> {
  const found = new Map<string, Position>();
  const queue = ids.slice(0, MAX_POSITIONS).filter((id) => {
    const known = knownPositions.get(id);
    if (known !== undefined) found.set(id, known);
    return known === undefined;
  });
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const outcome = await outcomeOf(registrationApi.GET("/shelters/{shelter_id}", { params: { path: { shelter_id: id } } }));
      if (!outcome.ok) continue;
      const position = { latitude: outcome.data.latitude, longitude: outcome.data.longitude };
      knownPositions.set(id, position);
      found.set(id, position);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return found;
}

export async function loadOpenShelters(): Promise<State> {
  const listed = await readAllPages((offset, limit) => outcomeOf(statsApi.GET("/shelters", { params: { query: { limit, offset } } })));
  if (!listed.ok) return { state: "failed" };
  const open = listed.data.filter((item) => item.is_open && !item.training);
  const where = await positions(open.map((item) => item.shelter_id));
  return {
    state: "loaded",
    shelters: open.map((statistics) => ({
      statistics,
      latitude: where.get(statistics.shelter_id)?.latitude ?? null,
      longitude: where.get(statistics.shelter_id)?.longitude ?? null,
    })),
  };
}

export function toMapShelter({ statistics, latitude, longitude }: OpenShelter): MapShelter {
  return {
    id: statistics.shelter_id,
    name: statistics.name ?? statistics.shelter_id,
    latitude,
    longitude,
    crowdingLevel: statistics.crowding_level,
    present: statistics.present,
    capacity: statistics.capacity,
    occupancyRate: statistics.occupancy_rate,
  };
}

export function SheltersPage() {
  const { t, lang } = usePublicText();
  useDocumentTitle(`${t("shelters.title")} | ${t("app.title")}`);
  const [state, setState] = useState<State>({ state: "loading" });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    void loadOpenShelters().then((next) => {
      if (current) setState(next);
    });
    return () => {
      current = false;
    };
  }, [round]);
  const reload = useCallback(() => setRound((value) => value + 1), []);
  useLiveUpdates(state, setState, reload);
  const tiles = configuredTiles();
  return (
    <>
      <FocusHeading>{t("shelters.heading")}</FocusHeading>
      <p class="lead">{t("shelters.lead")}</p>
      {state.state === "loading" && (
        <p role="status" class="muted">
          {t("shelters.loading")}
        </p>
      )}
      {state.state === "failed" && (
        <Notice kind="error">
          <p>{t("shelters.failed")}</p>
        </Notice>
      )}
      {state.state === "loaded" && state.shelters.length === 0 && (
        <Notice kind="info">
          <p data-testid="no-open-shelters">{t("shelters.none")}</p>
        </Notice>
      )}
      {state.state === "loaded" && state.shelters.length > 0 && (
        <>
          <ShelterMap shelters={state.shelters.map(toMapShelter)} lang={lang} tileTemplate={tiles.template} attribution={tiles.attribution} idPrefix="public-map" />
          <ul class="shelter-details-list">
            {state.shelters.map((shelter, index) => (
              <li key={shelter.statistics.shelter_id}>
                <ShelterDetails shelter={shelter} number={index + 1} label={t("shelters.details")} lang={lang} />
              </li>
            ))}
          </ul>
        </>
      )}
      {state.state !== "loading" && (
        <p>
          <button type="button" class="button button-secondary" onClick={() => setRound((value) => value + 1)}>
            {t("shelters.reload")}
          </button>
        </p>
      )}
      <p>
        <Link href="/search">{t("home.search")}</Link>
      </p>
    </>
  );
}

/**
 * One live statistics event applied to the page (S13): the shelter's figures replaced in place;
 * `reload` when the list itself changes (a shelter opens, closes, starts or ends training: its
 * position must be looked up, or it must go).
 */
export function applyLive(state: State, next: Statistics): { readonly state: State; readonly reload: boolean } {
  if (state.state !== "loaded") return { state, reload: false };
  const known = state.shelters.find((shelter) => shelter.statistics.shelter_id === next.shelter_id);
  const shown = next.is_open && !next.training;
  if (known === undefined || !shown) return { state, reload: known !== undefined || shown };
  return { state: { state: "loaded", shelters: state.shelters.map((shelter) => (shelter === known ? { ...shelter, statistics: next } : shelter)) }, reload: false };
}

/**
 * Live crowding (S13): the statistics service's events (`/api/stats/events`, one message per
 * change with the shelter's statistics) update the map and the list in place. ONE stream for the
 * page's life (a new one per event would lose events in between and, with many phones behind
 * one carrier address, hit the gateway's rate limit); after a reconnect the list is read again.
 */
function useLiveUpdates(state: State, setState: (next: State) => void, reload: () => void): void {
  // The latest state for the handlers of the one stream (also ahead of the next render).
  const latest = useRef(state);
  latest.current = state;
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    let timer: number | undefined;
    let wasOpen = false;
    const reloadSoon = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(reload, 1000);
    };
    const stop = openEventStream("/api/stats/events", ["shelter-deleted"], {
      onOpen: () => {
        if (wasOpen) reloadSoon();
        wasOpen = true;
      },
      onEvent: (type, data) => {
        if (type !== "message") {
          reloadSoon();
          return;
        }
        const next = liveStatistics(data);
        if (next === undefined) return;
        const applied = applyLive(latest.current, next);
        if (applied.reload) reloadSoon();
        if (applied.state !== latest.current) {
          latest.current = applied.state;
          setState(applied.state);
        }
      },
    });
    return () => {
      window.clearTimeout(timer);
      stop();
    };
  }, [setState, reload]);
}

function liveStatistics(data: string): Statistics | undefined {
  try {
    const parsed = JSON.parse(data) as unknown;
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const record = parsed as Record<string, unknown>;
    return typeof record["shelter_id"] === "string" && typeof record["present"] === "number" && typeof record["is_open"] === "boolean"
      ? (parsed as Statistics)
      : undefined;
  } catch {
    return undefined;
  }
}

function ShelterDetails({ shelter, number, label, lang }: { shelter: OpenShelter; number: number; label: string; lang: ReturnType<typeof usePublicText>["lang"] }) {
  const [open, setOpen] = useState(false);
  const { statistics } = shelter;
  const idPrefix = `shelter-${number}`;
  return (
    <details class="shelter-details" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>
        {`${number}. `}
        <span lang="ja">{statistics.name ?? statistics.shelter_id}</span>
        <span class="summary-action">{label}</span>
      </summary>
      {open && (
        <div class="shelter-details-body">
          <AgeBandChart ageBands={statistics.age_bands} lang={lang} idPrefix={idPrefix} />
          <ShelterHistory
            shelterId={statistics.shelter_id}
            capacity={statistics.capacity}
            lang={lang}
            idPrefix={idPrefix}
            refreshKey={`${statistics.checked_in}/${statistics.checked_out}`}
          />
        </div>
      )}
    </details>
  );
}
