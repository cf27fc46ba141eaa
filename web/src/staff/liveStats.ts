/**
 * Live statistics of every shelter (S13, S14): the stats service's list once, then its
 * server-sent events (`/api/stats/events`: one message per change with the shelter's whole
 * statistics, `shelter-deleted` when one goes). The list is read whenever the stream (re)opens,
 * so nothing missed in between stays stale; see lib/eventStream.ts for the reconnecting.
 */
import { useEffect, useState } from "preact/hooks";
import type { MunicipalityTotals, ShelterStatistics } from "../api/clients";
import { openEventStream } from "../lib/eventStream";
import { readAllPages } from "../lib/paging";
import type { Session } from "./session";

export type StatisticsById = ReadonlyMap<string, ShelterStatistics>;

export const DELETED_EVENT = "shelter-deleted";

function isStatistics(value: unknown): value is ShelterStatistics {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record["shelter_id"] === "string" && typeof record["present"] === "number";
}

/** One event applied to the map: a new map when something changed, the same one otherwise. */
export function applyEvent(current: StatisticsById, type: string, data: string): StatisticsById {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return current;
  }
  if (type === DELETED_EVENT) {
    const id = (parsed as { shelter_id?: unknown } | null)?.shelter_id;
    if (typeof id !== "string" || !current.has(id)) return current;
    const next = new Map(current);
    next.delete(id);
    return next;
  }
  if (!isStatistics(parsed)) return current;
  const next = new Map(current);
  next.set(parsed.shelter_id, parsed);
  return next;
}

/** The municipality's totals from the shelters' statistics (the same sums as stats' /totals). */
export function totalsOf(statistics: Iterable<ShelterStatistics>): Pick<
  MunicipalityTotals,
  "shelters" | "shelters_open" | "capacity_open" | "present" | "households" | "checked_out"
> {
  let shelters = 0;
  let sheltersOpen = 0;
  let capacityOpen = 0;
  let present = 0;
  let households = 0;
  let checkedOut = 0;
  for (const item of statistics) {
    shelters += 1;
    if (item.is_open) {
      sheltersOpen += 1;
      capacityOpen += item.capacity ?? 0;
    }
    present += item.present;
    households += item.households;
    checkedOut += item.checked_out;
  }
  return { shelters, shelters_open: sheltersOpen, capacity_open: capacityOpen, present, households, checked_out: checkedOut };
}

async function readAll(session: Session): Promise<Map<string, ShelterStatistics> | undefined> {
  const outcome = await readAllPages((offset, limit) => session.call(session.clients.stats.GET("/shelters", { params: { query: { limit, offset } } })));
  return outcome.ok ? new Map(outcome.data.map((item) => [item.shelter_id, item])) : undefined;
}

/**
 * The list read merged with what is shown: the list replaces the map, except for the shelters
 * that got an event while the list was being read (`touched`): the event is newer than the list
 * (or the shelter was deleted), so the shown value stays.
 */
export function mergeList(current: StatisticsById, listed: ReadonlyMap<string, ShelterStatistics>, touched: ReadonlySet<string>): StatisticsById {
  const next = new Map(listed);
  for (const id of touched) {
    const shown = current.get(id);
    if (shown === undefined) next.delete(id);
    else next.set(id, shown);
  }
  return next;
}

function shelterIdOf(data: string): string | undefined {
  try {
    const id = (JSON.parse(data) as { shelter_id?: unknown } | null)?.shelter_id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A registration shelter with its open/training state from the live statistics (another staff
 * member or a kiosk may have opened or closed it since the list was read), unless those
 * statistics are the ones this page already saw when it changed the shelter itself
 * (`confirmedAgainst`): then the page's own newer answer stays until the next event.
 */
export function withLiveState<T extends { readonly is_open: boolean; readonly training: boolean }>(
  shelter: T,
  statistics: ShelterStatistics | undefined,
  confirmedAgainst: ShelterStatistics | undefined,
): T {
  if (statistics === undefined || statistics === confirmedAgainst) return shelter;
  if (statistics.is_open === shelter.is_open && statistics.training === shelter.training) return shelter;
  return { ...shelter, is_open: statistics.is_open, training: statistics.training };
}

export interface LiveStatistics {
  readonly byId: StatisticsById;
  readonly loaded: boolean;
  /** False until the event stream is connected and while it is down (the page says it is reconnecting). */
  readonly live: boolean;
}

export function useLiveStatistics(session: Session): LiveStatistics {
  const [byId, setById] = useState<StatisticsById>(new Map());
  const [loaded, setLoaded] = useState(false);
  const [live, setLive] = useState(false);
  useEffect(() => {
    let closed = false;
    let generation = 0;
    // Shelters that got an event during the current list read (see mergeList).
    let touched: Set<string> | undefined;
    const reload = async () => {
      generation += 1;
      const mine = generation;
      const seen = new Set<string>();
      touched = seen;
      const all = await readAll(session);
      if (closed || mine !== generation) return;
      touched = undefined;
      if (all === undefined) return;
      setById((current) => mergeList(current, all, seen));
      setLoaded(true);
    };
    if (typeof EventSource === "undefined") {
      void reload();
      return () => void (closed = true);
    }
    // The list is read once the stream is open (the first time and after every reconnect), so
    // no change falls between the list and the first event.
    const stop = openEventStream("/api/stats/events", [DELETED_EVENT], {
      onOpen: () => {
        setLive(true);
        void reload();
      },
      onDown: () => setLive(false),
      onEvent: (type, data) => {
        const id = touched === undefined ? undefined : shelterIdOf(data);
        if (id !== undefined) touched?.add(id);
        setById((current) => applyEvent(current, type, data));
      },
    });
    return () => {
      closed = true;
      stop();
    };
    // Subscribed once for the page's life: the session's clients do not change while it is open.
  }, []);
  return { byId, loaded, live };
}
