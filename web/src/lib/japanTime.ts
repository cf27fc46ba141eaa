/**
 * Dates and times on the municipality's clock (Japan Standard Time, UTC+9 all year: no summer
 * time), whatever time zone the browser is set to. One place for the +9 h instead of a copy per
 * screen (review item 29).
 */

export const JAPAN_OFFSET_MS = 9 * 3600_000;
export const JAPAN_OFFSET = "+09:00";

/** `at` (ms since the epoch) in Japan as "YYYY-MM-DDTHH:MM:SS" (no zone). */
export function japanDateTime(at: number): string {
  return new Date(at + JAPAN_OFFSET_MS).toISOString().slice(0, 19);
}

/** The day in Japan as YYYY-MM-DD. */
export function japanDay(at: number = Date.now()): string {
  return japanDateTime(at).slice(0, 10);
}
