import { describe, expect, it } from "vitest";
import { ageBandRows, linePoints, niceMax, parseHistory, summariseHistory } from "./charts";
import { LEVEL_STYLES, LEVELS, levelOf, percent } from "./crowding";
import { fitViewport, mercator, project, tilesFor } from "./geo";
import { VISUAL_DICTIONARIES } from "./text";

describe("map projection (Web Mercator, as the tiles)", () => {
  it("puts lon/lat 0,0 in the middle of the world and north up", () => {
    expect(mercator({ latitude: 0, longitude: 0 })).toEqual({ x: 128, y: 128 });
    expect(mercator({ latitude: 35.7, longitude: 139.7 }).y).toBeLessThan(128);
  });

  it("fits every shelter inside the drawing with a margin", () => {
    const points = [
      { latitude: 35.6938, longitude: 139.7034 },
      { latitude: 35.6586, longitude: 139.7454 },
      { latitude: 35.7101, longitude: 139.8107 },
    ];
    const viewport = fitViewport(points, 640, 420, { padding: 32 });
    for (const point of points) {
      const { x, y } = project(point, viewport);
      expect(x).toBeGreaterThanOrEqual(32 - 0.5);
      expect(x).toBeLessThanOrEqual(640 - 32 + 0.5);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(420);
    }
    expect(viewport.zoom).toBeGreaterThan(8);
    const single = fitViewport([points[0]!], 640, 420);
    expect(project(points[0]!, single)).toEqual({ x: 320, y: 210 });
  });

  it("asks for tiles only when a tile server is configured", () => {
    const viewport = fitViewport([{ latitude: 35.68, longitude: 139.76 }], 640, 420);
    expect(tilesFor(viewport, undefined)).toEqual([]);
    const tiles = tilesFor(viewport, "/tiles/{z}/{x}/{y}.png");
    expect(tiles.length).toBeGreaterThanOrEqual(6);
    expect(tiles.length).toBeLessThanOrEqual(12);
    expect(tiles[0]?.url).toMatch(/^\/tiles\/14\/\d+\/\d+\.png$/);
  });
});

describe("crowding: colour, shape and word", () => {
  it("gives every level its own shape and colour, and a word in every language", () => {
    expect(new Set(LEVELS.map((level) => LEVEL_STYLES[level].shape)).size).toBe(LEVELS.length);
    expect(new Set(LEVELS.map((level) => LEVEL_STYLES[level].fill)).size).toBe(LEVELS.length);
    for (const dictionary of Object.values(VISUAL_DICTIONARIES)) {
      for (const level of LEVELS) expect(dictionary[LEVEL_STYLES[level].label]).toBeTruthy();
    }
    expect(levelOf("crowded")).toBe("crowded");
    expect(levelOf(null)).toBe("unknown");
    expect(levelOf("odd")).toBe("unknown");
    expect(percent(0.426)).toBe("43%");
    expect(percent(null)).toBeUndefined();
  });

  it("keeps the marker colours dark enough for their white numbers (WCAG AA, 4.5:1)", () => {
    const luminance = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    for (const level of LEVELS) {
      const contrast = 1.05 / (luminance(LEVEL_STYLES[level].fill) + 0.05);
      expect(contrast, level).toBeGreaterThanOrEqual(4.5);
    }
  });
});

describe("charts", () => {
  it("lists the ten decades in order, 0 where the service sent nothing", () => {
    const rows = ageBandRows({ "70": 3, "0": 1, "90": 2, junk: 9 });
    expect(rows.map((row) => row.band)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(rows.map((row) => row.count)).toEqual([1, 0, 0, 0, 0, 0, 0, 3, 0, 2]);
  });

  it("rounds axis maxima up to 1, 2 or 5 times a power of ten", () => {
    expect([0, 1, 3, 7, 12, 180, 501].map(niceMax)).toEqual([1, 1, 5, 10, 20, 200, 1000]);
  });

  it("reads the history answer, sorted, and summarises it", () => {
    const history = parseHistory({
      shelter_id: "s1",
      bucket_seconds: 300,
      points: [
        { at: "2026-11-25T01:10:00Z", present: 12, households: 5 },
        { at: "2026-11-25T01:00:00Z", present: 4, households: 2 },
        { at: "nonsense", present: 1, households: 1 },
      ],
    });
    expect(history?.points.map((point) => point.present)).toEqual([4, 12]);
    expect(parseHistory({ items: [] })).toBeUndefined();
    expect(summariseHistory(history?.points ?? [])).toEqual({ from: "2026-11-25T01:00:00Z", to: "2026-11-25T01:10:00Z", min: 4, max: 12, last: 12 });
    expect(summariseHistory([])).toBeUndefined();
    expect(linePoints(history?.points ?? [], (point) => point.present, 100, 50, 20)).toBe("0.0,40.0 100.0,20.0");
  });
});
