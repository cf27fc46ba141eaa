/**
 * Evacuees by decade (年代別, S13-S14) as horizontal bars with the count written at each bar, and
 * the same numbers as a table (the picture's text alternative).
 */
import type { Lang } from "../../i18n/languages";
import { ageBandRows, niceMax } from "./charts";
import { visualText, type VisualText } from "./text";

export function ageBandLabel(band: number, t: VisualText): string {
  return band >= 90 ? t("ages.top", { band }) : t("ages.band", { band, bandEnd: band + 9 });
}

export function AgeBandChart({
  ageBands,
  lang,
  idPrefix,
  heading,
}: {
  ageBands: Readonly<Record<string, number>>;
  lang: Lang;
  /** Unique per page. */
  idPrefix: string;
  /** A heading of its own (h3) when the page has none for the chart. */
  heading?: boolean;
}) {
  const t = visualText(lang);
  const rows = ageBandRows(ageBands);
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  const max = niceMax(Math.max(...rows.map((row) => row.count)));
  const rowHeight = 30;
  const labelWidth = 120;
  const barSpace = 220;
  const width = labelWidth + barSpace + 60;
  const height = rows.length * rowHeight + 8;
  const summary =
    total === 0
      ? `${t("ages.title")}: ${t("ages.empty")}`
      : t("ages.summary", { list: rows.filter((row) => row.count > 0).map((row) => `${ageBandLabel(row.band, t)} ${t("people", { count: row.count })}`).join(t("list.separator")) });
  const titleId = `${idPrefix}-ages-title`;
  return (
    <figure class="visual-figure age-chart" data-testid="age-band-chart">
      {heading === true ? <h3 id={titleId}>{t("ages.title")}</h3> : <figcaption id={titleId}>{t("ages.title")}</figcaption>}
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} class="chart-canvas">
        {rows.map((row, index) => {
          const y = index * rowHeight + 4;
          const barWidth = (row.count / max) * barSpace;
          return (
            <g key={row.band}>
              <text x={labelWidth - 8} y={y + 20} text-anchor="end" font-size="15" fill="#1a1a1a">
                {ageBandLabel(row.band, t)}
              </text>
              <rect x={labelWidth} y={y + 4} width={barSpace} height={rowHeight - 8} fill="#e8f0fa" />
              <rect x={labelWidth} y={y + 4} width={barWidth} height={rowHeight - 8} fill="#0b4f8a" />
              <text x={labelWidth + barWidth + 6} y={y + 20} font-size="15" font-weight="700" fill="#1a1a1a">
                {row.count}
              </text>
            </g>
          );
        })}
      </svg>
      <details class="visual-table">
        <summary>{t("table.show")}</summary>
        <table class="data-table">
          <caption>{t("ages.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("ages.band.heading")}</th>
              <th scope="col">{t("ages.count")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.band}>
                <th scope="row">{ageBandLabel(row.band, t)}</th>
                <td class="number">{row.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
