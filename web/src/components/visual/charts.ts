/** The numbers behind the charts: age bands in decade order, the occupancy history and its summary. */

/** Decades 0..90 (90 = 90 and over), as the statistics service counts them (S13-S14). */
export const DECADES = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90] as const;

export interface AgeBandRow {
  readonly band: number;
  readonly count: number;
}

/** Every decade in order, 0 where the service has no key; unknown keys are ignored. */
export function ageBandRows(bands: Readonly<Record<string, number>>): AgeBandRow[] {
  return DECADES.map((band) => ({ band, count: Math.max(0, Math.trunc(bands[String(band)] ?? 0)) }));
}

/** A round upper bound for an axis (1, 2, 5 × 10^n), at least 1. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (value <= step * power) return step * power;
  }
  return 10 * power;
}

export interface HistoryPoint {
  readonly at: string;
  readonly present: number;
  readonly households: number;
}

export interface OccupancyHistory {
  readonly shelter_id: string;
  readonly bucket_seconds: number;
  readonly points: readonly HistoryPoint[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads GET /api/stats/shelters/{id}/history; undefined when the body is not that shape.
 * Points are sorted by time, unreadable points dropped.
 */
export function parseHistory(body: unknown): OccupancyHistory | undefined {
  if (!isRecord(body) || typeof body["shelter_id"] !== "string" || !Array.isArray(body["points"])) return undefined;
  const points = body["points"]
    .flatMap((point: unknown) => {
      if (!isRecord(point) || typeof point["at"] !== "string" || Number.isNaN(Date.parse(point["at"]))) return [];
      const present = typeof point["present"] === "number" ? point["present"] : 0;
      const households = typeof point["households"] === "number" ? point["households"] : 0;
      return [{ at: point["at"], present, households }];
    })
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const bucket = typeof body["bucket_seconds"] === "number" ? body["bucket_seconds"] : 0;
  return { shelter_id: body["shelter_id"], bucket_seconds: bucket, points };
}

export interface HistorySummary {
  readonly from: string;
  readonly to: string;
  readonly min: number;
  readonly max: number;
  readonly last: number;
}

export function summariseHistory(points: readonly HistoryPoint[]): HistorySummary | undefined {
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined) return undefined;
  const present = points.map((point) => point.present);
  return { from: first.at, to: last.at, min: Math.min(...present), max: Math.max(...present), last: last.present };
}

/** The line's points in a width × height box (time left to right, count bottom to top). */
export function linePoints(
  points: readonly HistoryPoint[],
  value: (point: HistoryPoint) => number,
  width: number,
  height: number,
  yMax: number,
): string {
  if (points.length === 0) return "";
  const times = points.map((point) => Date.parse(point.at));
  const start = Math.min(...times);
  const span = Math.max(...times) - start;
  return points
    .map((point, index) => {
      const x = span === 0 ? width / 2 : (((times[index] ?? start) - start) / span) * width;
      const y = height - (Math.max(0, value(point)) / yMax) * height;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
}
