/**
 * Evacuees (and households) over time, from the statistics service's history
 * (GET /api/stats/shelters/{id}/history): a line chart with its first and last time and its
 * largest count written on the axes, a one-sentence summary for screen readers, and a table.
 */
import { useEffect, useState } from "preact/hooks";
import { htmlLangOf, type Lang } from "../../i18n/languages";
import { linePoints, niceMax, parseHistory, summariseHistory, type HistoryPoint, type OccupancyHistory } from "./charts";
import { visualText } from "./text";

export function timeLabel(at: string, lang: Lang): string {
  return new Intl.DateTimeFormat(htmlLangOf(lang), {
    month: "numeric",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Asia/Tokyo",
  }).format(new Date(at));
}

export function OccupancyChart({
  points,
  capacity,
  lang,
  idPrefix,
}: {
  points: readonly HistoryPoint[];
  capacity?: number | null | undefined;
  lang: Lang;
  idPrefix: string;
}) {
  const t = visualText(lang);
  const summary = summariseHistory(points);
  const titleId = `${idPrefix}-history-title`;
  if (summary === undefined) {
    return (
      <figure class="visual-figure" data-testid="occupancy-chart">
        <figcaption id={titleId}>{t("history.title")}</figcaption>
        <p class="muted">{t("history.empty")}</p>
      </figure>
    );
  }
  const width = 360;
  const height = 160;
  const left = 44;
  const top = 12;
  const plotWidth = width - left - 12;
  const plotHeight = height - top - 34;
  const peak = Math.max(summary.max, ...points.map((point) => point.households));
  const yMax = niceMax(Math.max(peak, typeof capacity === "number" ? capacity : 0));
  const described = t("history.summary", {
    from: timeLabel(summary.from, lang),
    to: timeLabel(summary.to, lang),
    min: summary.min,
    max: summary.max,
    last: summary.last,
  });
  const capacityY = typeof capacity === "number" && capacity > 0 ? top + plotHeight - (capacity / yMax) * plotHeight : undefined;
  return (
    <figure class="visual-figure" data-testid="occupancy-chart">
      <figcaption id={titleId}>{t("history.title")}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${t("history.title")}: ${described}`} class="chart-canvas">
        <g transform={`translate(${left} ${top})`}>
          <rect x="0" y="0" width={plotWidth} height={plotHeight} fill="#f3f5f8" stroke="#5a6270" />
          {capacityY !== undefined && (
            <line x1="0" x2={plotWidth} y1={capacityY - top} y2={capacityY - top} stroke="#a4161a" stroke-dasharray="6 4" stroke-width="2" />
          )}
          <polyline
            points={linePoints(points, (point) => point.households, plotWidth, plotHeight, yMax)}
            fill="none"
            stroke="#7a5200"
            stroke-width="2.5"
            stroke-dasharray="4 3"
          />
          <polyline points={linePoints(points, (point) => point.present, plotWidth, plotHeight, yMax)} fill="none" stroke="#0b4f8a" stroke-width="3.5" />
          {points.length <= 48 &&
            linePoints(points, (point) => point.present, plotWidth, plotHeight, yMax)
              .split(" ")
              .map((xy, index) => {
                const [x = "0", y = "0"] = xy.split(",");
                return <circle key={index} cx={x} cy={y} r="4" fill="#0b4f8a" />;
              })}
        </g>
        <text x={left - 6} y={top + 12} text-anchor="end" font-size="13" fill="#1a1a1a">
          {yMax}
        </text>
        <text x={left - 6} y={top + plotHeight} text-anchor="end" font-size="13" fill="#1a1a1a">
          0
        </text>
        <text x={left} y={height - 6} font-size="13" fill="#1a1a1a">
          {timeLabel(summary.from, lang)}
        </text>
        <text x={width - 12} y={height - 6} text-anchor="end" font-size="13" fill="#1a1a1a">
          {timeLabel(summary.to, lang)}
        </text>
      </svg>
      <ul class="chart-key">
        <li>
          <span class="key-line key-present" aria-hidden="true" />
          {t("history.present")}
        </li>
        <li>
          <span class="key-line key-households" aria-hidden="true" />
          {t("history.households")}
        </li>
        {capacityY !== undefined && (
          <li>
            <span class="key-line key-capacity" aria-hidden="true" />
            {t("history.capacity")}
          </li>
        )}
      </ul>
      <p class="visual-summary">{described}</p>
      <details class="visual-table">
        <summary>{t("table.show")}</summary>
        <table class="data-table">
          <caption>{t("history.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("history.time")}</th>
              <th scope="col">{t("history.present")}</th>
              <th scope="col">{t("history.households")}</th>
            </tr>
          </thead>
          <tbody>
            {points.map((point) => (
              <tr key={point.at}>
                <th scope="row">{timeLabel(point.at, lang)}</th>
                <td class="number">{point.present}</td>
                <td class="number">{point.households}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

export type HistoryState =
  | { readonly state: "loading" }
  | { readonly state: "loaded"; readonly history: OccupancyHistory }
  | { readonly state: "failed" };

/**
 * Loads a shelter's occupancy history (public). Plain fetch: the route is newer than the
 * generated client; `parseHistory` checks the shape.
 */
export function useOccupancyHistory(shelterId: string, refreshKey: string | number = ""): HistoryState {
  const [state, setState] = useState<HistoryState>({ state: "loading" });
  useEffect(() => {
    let current = true;
    void (async () => {
      try {
        const response = await globalThis.fetch(`/api/stats/shelters/${encodeURIComponent(shelterId)}/history`, {
          headers: { Accept: "application/json" },
        });
        const history = response.ok ? parseHistory(await response.json()) : undefined;
        if (current) setState(history === undefined ? { state: "failed" } : { state: "loaded", history });
      } catch {
        if (current) setState({ state: "failed" });
      }
    })();
    return () => {
      current = false;
    };
  }, [shelterId, refreshKey]);
  return state;
}

/**
 * The history of one shelter, loaded and drawn; says so plainly while loading or when it fails.
 * `refreshKey` (e.g. the live count) loads it again when it changes.
 */
export function ShelterHistory({
  shelterId,
  capacity,
  lang,
  idPrefix,
  refreshKey,
}: {
  shelterId: string;
  capacity?: number | null;
  lang: Lang;
  idPrefix: string;
  refreshKey?: string | number;
}) {
  const t = visualText(lang);
  const history = useOccupancyHistory(shelterId, refreshKey);
  if (history.state === "loading") return <p class="muted" role="status">{t("history.loading")}</p>;
  if (history.state === "failed") return <p class="muted">{t("history.failed")}</p>;
  return <OccupancyChart points={history.history.points} capacity={capacity} lang={lang} idPrefix={idPrefix} />;
}
