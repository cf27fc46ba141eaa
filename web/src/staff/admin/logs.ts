/** The audit-log period (S10.8): whole days in Japan time, the end day included. */
import { JAPAN_OFFSET, japanDay } from "../../lib/japanTime";

export type Period = { readonly ok: true; readonly from: string; readonly to: string } | { readonly ok: false; readonly reason: "missing" | "order" };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/** "2026-11-01", "2026-11-25" -> from 2026-11-01T00:00:00+09:00 to 2026-11-26T00:00:00+09:00 (exclusive). */
export function periodOf(fromDay: string, toDay: string): Period {
  if (!DAY.test(fromDay) || !DAY.test(toDay)) return { ok: false, reason: "missing" };
  if (toDay < fromDay) return { ok: false, reason: "order" };
  return { ok: true, from: `${fromDay}T00:00:00${JAPAN_OFFSET}`, to: `${nextDay(toDay)}T00:00:00${JAPAN_OFFSET}` };
}

export function auditUrl(period: { from: string; to: string }): string {
  const query = new URLSearchParams({ from: period.from, to: period.to, format: "csv" });
  return `/api/auth/audit?${query.toString()}`;
}

export function auditFileName(fromDay: string, toDay: string): string {
  return `audit-${fromDay.replaceAll("-", "")}-${toDay.replaceAll("-", "")}.csv`;
}

/** Today in Japan as YYYY-MM-DD. */
export function japanToday(now: number = Date.now()): string {
  return japanDay(now);
}
