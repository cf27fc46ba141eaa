/**
 * The shelters on a map, by crowding (S13-S14). Map tiles are optional (see `configuredTiles`):
 * without them, or when they fail to load, the same SVG shows the shelters' positions alone.
 * Each marker has a colour, a shape and its list number; the table beside it says everything in
 * words (the picture's text alternative), so nothing depends on seeing the colours or the map.
 */
import { useMemo, useState } from "preact/hooks";
import type { Lang } from "../../i18n/languages";
import { LEVEL_STYLES, LEVELS, levelOf, markerPath, percent, type LevelOrUnknown } from "./crowding";
import { fitViewport, project, tilesFor } from "./geo";
import { ScrollRegion } from "./ScrollRegion";
import { visualText, type VisualText } from "./text";

export interface MapShelter {
  readonly id: string;
  readonly name: string;
  readonly latitude: number | null | undefined;
  readonly longitude: number | null | undefined;
  readonly crowdingLevel: string | null | undefined;
  readonly present: number;
  readonly capacity: number | null | undefined;
  readonly occupancyRate: number | null | undefined;
}

export interface ShelterMapProps {
  readonly shelters: readonly MapShelter[];
  readonly lang: Lang;
  /** Slippy-map tile URL template (`{z}/{x}/{y}`); none draws the offline map. */
  readonly tileTemplate?: string | undefined;
  readonly attribution?: string | undefined;
  /** Unique per page: the ids of the title, the description and the table. */
  readonly idPrefix?: string;
  readonly width?: number;
  readonly height?: number;
}

function hasPosition(shelter: MapShelter): shelter is MapShelter & { latitude: number; longitude: number } {
  return typeof shelter.latitude === "number" && typeof shelter.longitude === "number";
}

export function LevelSymbol({ level, size = 22 }: { level: LevelOrUnknown; size?: number }) {
  const style = LEVEL_STYLES[level];
  const r = size / 2 - 3;
  return (
    <svg class="level-symbol" width={size} height={size} viewBox={`${-size / 2} ${-size / 2} ${size} ${size}`} aria-hidden="true" focusable="false">
      <path
        d={markerPath(style.shape, r)}
        fill={style.fill}
        stroke={style.shape === "dashed" ? "#000" : "#fff"}
        stroke-width={style.shape === "dashed" ? 1.5 : 2}
        stroke-dasharray={style.shape === "dashed" ? "3 2" : undefined}
      />
    </svg>
  );
}

/** The word of a level with its symbol: what the list and the legend show. */
export function LevelWord({ level, t }: { level: LevelOrUnknown; t: VisualText }) {
  return (
    <span class="level-word" data-level={level}>
      <LevelSymbol level={level} />
      <span>{t(LEVEL_STYLES[level].label)}</span>
    </span>
  );
}

export function ShelterMap({
  shelters,
  lang,
  tileTemplate,
  attribution,
  idPrefix = "shelter-map",
  width = 400,
  height = 300,
}: ShelterMapProps) {
  const t = visualText(lang);
  const placed = shelters.filter(hasPosition);
  const positions = placed.map((shelter) => `${shelter.latitude},${shelter.longitude}`).join(";");
  const viewport = useMemo(() => fitViewport(placed, width, height), [positions, width, height]);
  const [tileFailed, setTileFailed] = useState(false);
  const tiles = tileFailed ? [] : tilesFor(viewport, tileTemplate);
  const offline = tiles.length === 0;
  const numberOf = new Map(shelters.map((shelter, index) => [shelter.id, index + 1]));
  const titleId = `${idPrefix}-title`;
  const descId = `${idPrefix}-desc`;
  return (
    <div class="shelter-map">
      <figure class="visual-figure">
        <svg
          class="map-canvas"
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-labelledby={titleId}
          aria-describedby={descId}
          data-testid="shelter-map"
          data-offline={offline ? "true" : "false"}
        >
          <title id={titleId}>{t("map.label")}</title>
          <desc id={descId}>{t("map.summary", { count: placed.length })}</desc>
          <rect x="0" y="0" width={width} height={height} class="map-background" />
          {offline && <MapGrid width={width} height={height} />}
          {tiles.map((tile) => (
            <image
              key={tile.key}
              href={tile.url}
              x={tile.x}
              y={tile.y}
              width="256"
              height="256"
              preserveAspectRatio="none"
              onError={() => setTileFailed(true)}
            />
          ))}
          {offline && (
            <g class="map-compass" transform={`translate(${width - 28} 34)`} aria-hidden="true">
              <path d="M 0 -18 L 7 4 L 0 0 L -7 4 Z" fill="#1a1a1a" />
              <text y="20" text-anchor="middle" font-size="14" font-weight="700">
                N
              </text>
            </g>
          )}
          {placed.map((shelter) => {
            const level = levelOf(shelter.crowdingLevel);
            const style = LEVEL_STYLES[level];
            const { x, y } = project(shelter, viewport);
            const number = numberOf.get(shelter.id) ?? 0;
            return (
              <g key={shelter.id} transform={`translate(${x.toFixed(1)} ${y.toFixed(1)})`} data-testid="map-marker" data-level={level}>
                <path
                  d={markerPath(style.shape, 13)}
                  fill={style.fill}
                  stroke={style.shape === "dashed" ? "#000" : "#fff"}
                  stroke-width="3"
                  stroke-dasharray={style.shape === "dashed" ? "5 3" : undefined}
                />
                <text class="map-marker-number" y={style.shape === "triangle" ? 6 : 5} text-anchor="middle" font-size="14" font-weight="700" fill="#fff">
                  {number}
                </text>
              </g>
            );
          })}
        </svg>
        <figcaption class="visual-caption">
          {offline ? t("map.offline") : attribution !== undefined && attribution !== "" ? t("map.attribution", { source: attribution }) : null}
        </figcaption>
      </figure>
      <ul class="map-legend" aria-label={t("map.legend")}>
        {LEVELS.map((level) => (
          <li key={level}>
            <LevelWord level={level} t={t} />
          </li>
        ))}
      </ul>
      <ShelterTable shelters={shelters} t={t} idPrefix={idPrefix} />
    </div>
  );
}

function MapGrid({ width, height }: { width: number; height: number }) {
  const lines = [];
  for (let x = 64; x < width; x += 64) lines.push(<line key={`x${x}`} x1={x} y1="0" x2={x} y2={height} />);
  for (let y = 64; y < height; y += 64) lines.push(<line key={`y${y}`} x1="0" y1={y} x2={width} y2={y} />);
  return (
    <g class="map-grid" aria-hidden="true">
      {lines}
    </g>
  );
}

/** The map's text alternative: number, shelter, crowding in words, evacuees and capacity. */
export function ShelterTable({ shelters, t, idPrefix }: { shelters: readonly MapShelter[]; t: VisualText; idPrefix: string }) {
  const captionId = `${idPrefix}-list`;
  return (
    <ScrollRegion labelledBy={captionId}>
      <table class="data-table stack-narrow" data-testid="shelter-table">
        <caption id={captionId}>{t("list.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("list.name")}</th>
            <th scope="col">{t("list.level")}</th>
            <th scope="col">{t("list.present")}</th>
          </tr>
        </thead>
        <tbody>
          {shelters.map((shelter, index) => {
            const rate = percent(shelter.occupancyRate);
            return (
              <tr key={shelter.id} data-testid="shelter-row">
                <th scope="row">
                  <span class="list-number">{`${index + 1}.`}</span> <span lang="ja">{shelter.name}</span>
                  {!hasPosition(shelter) && <span class="table-note">{t("map.noPositionNote")}</span>}
                </th>
                <td class="nowrap">
                  <LevelWord level={levelOf(shelter.crowdingLevel)} t={t} />
                </td>
                <td class="number nowrap">
                  {typeof shelter.capacity === "number"
                    ? `${t("people", { count: shelter.present })} / ${shelter.capacity}`
                    : t("people", { count: shelter.present })}
                  {rate !== undefined && <span class="table-note">{`${t("list.rate")} ${rate}`}</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
