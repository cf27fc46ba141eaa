/**
 * The roster follows check-ins and check-outs made elsewhere (kiosk, smartphone, another desk)
 * without a reload (S11, S13): the statistics service's events of the shelter
 * (`/api/stats/shelters/{id}/events`, one message per change of its figures) tell that the
 * roster changed; the page then reads its current page again: the same filter, the same page,
 * an open editor untouched (it keeps its own snapshot). Reads are throttled, and one more read
 * follows a little later, because the roster's read model may take the same event a moment after
 * the statistics service did.
 */
import { useEffect, useRef } from "preact/hooks";
import { openEventStream } from "../lib/eventStream";
import { createThrottle } from "../lib/throttle";

/** At most one re-read per this interval while check-ins keep coming. */
export const ROSTER_REREAD_INTERVAL_MS = 2_000;
/** The second read after a change: the roster's read model may lag the statistics. */
export const ROSTER_SETTLE_MS = 2_500;

/**
 * What of a statistics message means "the roster changed": the counts of check-ins and
 * check-outs (a new stay, a stay ended). undefined for a message that is not a shelter's figures.
 */
export function rosterSignature(data: string): string | undefined {
  try {
    const parsed = JSON.parse(data) as Record<string, unknown> | null;
    if (parsed === null || typeof parsed !== "object") return undefined;
    const { checked_in: checkedIn, checked_out: checkedOut, present } = parsed;
    if (typeof checkedIn !== "number" || typeof checkedOut !== "number") return undefined;
    return `${checkedIn}/${checkedOut}/${typeof present === "number" ? present : ""}`;
  } catch {
    return undefined;
  }
}

/**
 * Calls `reread` (throttled) whenever the shelter's check-ins or check-outs change. The first
 * message after connecting is the current figures (the service sends them on subscribe): it
 * only sets the baseline, unless it differs from what was seen before a reconnect.
 */
export function useRosterFollow(shelterId: string, reread: () => void): void {
  const latest = useRef(reread);
  latest.current = reread;
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    let seen: string | undefined;
    let settle: ReturnType<typeof setTimeout> | undefined;
    const throttle = createThrottle(() => latest.current(), ROSTER_REREAD_INTERVAL_MS);
    const changed = () => {
      throttle.trigger();
      clearTimeout(settle);
      settle = setTimeout(() => throttle.trigger(), ROSTER_SETTLE_MS);
    };
    const stop = openEventStream(`/api/stats/shelters/${encodeURIComponent(shelterId)}/events`, [], {
      onEvent: (type, data) => {
        if (type !== "message") return;
        const signature = rosterSignature(data);
        if (signature === undefined) return;
        const before = seen;
        seen = signature;
        if (before !== undefined && before !== signature) changed();
      },
    });
    return () => {
      stop();
      throttle.cancel();
      clearTimeout(settle);
    };
  }, [shelterId]);
}
