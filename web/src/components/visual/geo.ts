/**
 * Where the shelters go on the map: Web Mercator (the projection of the usual slippy-map tiles)
 * at the largest zoom that fits every shelter, so the same drawing works with map tiles behind it
 * and without them (an offline machine, a blocked tile server): then the SVG shows the shelters'
 * positions alone, north up, and the list beside it carries everything in words.
 */
export const TILE_SIZE = 256;
const MAX_LATITUDE = 85.05112878;

export interface LatLon {
  readonly latitude: number;
  readonly longitude: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** World pixel coordinates at zoom 0 (0..256 on both axes). */
export function mercator({ latitude, longitude }: LatLon): Point {
  const lat = (Math.max(-MAX_LATITUDE, Math.min(MAX_LATITUDE, latitude)) * Math.PI) / 180;
  const x = ((longitude + 180) / 360) * TILE_SIZE;
  const y = ((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * TILE_SIZE;
  return { x, y };
}

export interface Viewport {
  readonly zoom: number;
  /** World pixel (at `zoom`) of the drawing's top-left corner. */
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The zoom (0..maxZoom) and window that show every point with `padding` pixels to spare; a single
 * point (or none) is shown at `singleZoom`, centred.
 */
export function fitViewport(
  points: readonly LatLon[],
  width: number,
  height: number,
  { padding = 32, maxZoom = 16, singleZoom = 14 }: { padding?: number; maxZoom?: number; singleZoom?: number } = {},
): Viewport {
  if (points.length === 0) {
    const centre = mercator({ latitude: 36, longitude: 138 }); // Japan
    const zoom = 4;
    return { zoom, left: centre.x * 2 ** zoom - width / 2, top: centre.y * 2 ** zoom - height / 2, width, height };
  }
  const world = points.map(mercator);
  const xs = world.map((p) => p.x);
  const ys = world.map((p) => p.y);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const spanX = maxX - minX;
  const spanY = maxY - minY;
  let zoom = singleZoom;
  if (spanX > 0 || spanY > 0) {
    const scaleX = spanX > 0 ? (width - 2 * padding) / spanX : Infinity;
    const scaleY = spanY > 0 ? (height - 2 * padding) / spanY : Infinity;
    zoom = Math.floor(Math.log2(Math.min(scaleX, scaleY)));
  }
  zoom = Math.max(0, Math.min(maxZoom, zoom));
  const scale = 2 ** zoom;
  const centreX = ((minX + maxX) / 2) * scale;
  const centreY = ((minY + maxY) / 2) * scale;
  return { zoom, left: centreX - width / 2, top: centreY - height / 2, width, height };
}

/** A point's position in the drawing. */
export function project(point: LatLon, viewport: Viewport): Point {
  const world = mercator(point);
  const scale = 2 ** viewport.zoom;
  return { x: world.x * scale - viewport.left, y: world.y * scale - viewport.top };
}

export interface Tile {
  readonly url: string;
  readonly x: number;
  readonly y: number;
  readonly key: string;
}

/**
 * The tiles under the drawing, from a template with `{z}`, `{x}` and `{y}` (the de-facto slippy
 * map scheme); none when there is no template.
 */
export function tilesFor(viewport: Viewport, template: string | undefined): Tile[] {
  if (template === undefined || template === "") return [];
  const count = 2 ** viewport.zoom;
  const first = { x: Math.floor(viewport.left / TILE_SIZE), y: Math.floor(viewport.top / TILE_SIZE) };
  const last = {
    x: Math.floor((viewport.left + viewport.width) / TILE_SIZE),
    y: Math.floor((viewport.top + viewport.height) / TILE_SIZE),
  };
  const tiles: Tile[] = [];
  for (let ty = Math.max(0, first.y); ty <= Math.min(count - 1, last.y); ty += 1) {
    for (let tx = first.x; tx <= last.x; tx += 1) {
      const wrapped = ((tx % count) + count) % count;
      const url = template
        .replaceAll("{z}", String(viewport.zoom))
        .replaceAll("{x}", String(wrapped))
        .replaceAll("{y}", String(ty));
      tiles.push({ url, x: tx * TILE_SIZE - viewport.left, y: ty * TILE_SIZE - viewport.top, key: `${viewport.zoom}/${tx}/${ty}` });
    }
  }
  return tiles;
}

/**
 * The tile server, set per deployment without a rebuild: `<meta name="shelter-map-tiles"
 * content="https://tiles.example.jp/{z}/{x}/{y}.png">` in index.html (and the gateway's CSP must
 * allow it as img-src), else VITE_MAP_TILES at build time; none means the offline drawing.
 */
export function configuredTiles(doc: Document | undefined = globalThis.document): { template: string | undefined; attribution: string | undefined } {
  const meta = (name: string) => doc?.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content.trim() || undefined;
  const env = (import.meta.env as Record<string, string | undefined>)["VITE_MAP_TILES"];
  return {
    template: meta("shelter-map-tiles") ?? (env !== undefined && env !== "" ? env : undefined),
    attribution: meta("shelter-map-attribution") ?? (import.meta.env as Record<string, string | undefined>)["VITE_MAP_ATTRIBUTION"],
  };
}
