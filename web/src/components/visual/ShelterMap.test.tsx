import { cleanup, render, screen } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import { AgeBandChart } from "./AgeBandChart";
import { OccupancyChart } from "./OccupancyChart";
import { ShelterMap, type MapShelter } from "./ShelterMap";

afterEach(cleanup);

const shelters: MapShelter[] = [
  { id: "a", name: "千代田小学校", latitude: 35.69, longitude: 139.75, crowdingLevel: "crowded", present: 80, capacity: 100, occupancyRate: 0.8 },
  { id: "b", name: "神田公民館", latitude: 35.7, longitude: 139.77, crowdingLevel: "vacant", present: 3, capacity: 50, occupancyRate: 0.06 },
  { id: "c", name: "位置なし会館", latitude: null, longitude: null, crowdingLevel: null, present: 0, capacity: null, occupancyRate: null },
];

// Issue 5: every picture has a text alternative; colour is never the only signal; usable without tiles.
describe("ShelterMap", () => {
  it("draws the placed shelters offline and lists every shelter in words", () => {
    render(<ShelterMap shelters={shelters} lang="ja" />);
    const map = screen.getByRole("img", { name: "避難所の地図（混み具合）" });
    expect(map.getAttribute("data-offline")).toBe("true");
    expect(map.querySelectorAll("[data-testid=map-marker]")).toHaveLength(2);
    expect(map.querySelector("image")).toBeNull();
    const rows = screen.getAllByTestId("shelter-row");
    expect(rows.map((row) => row.textContent)).toEqual([
      expect.stringContaining("千代田小学校") as string,
      expect.stringContaining("神田公民館") as string,
      expect.stringContaining("位置が登録されていない") as string,
    ]);
    expect(rows[0]?.textContent).toContain("混雑");
    expect(rows[0]?.textContent).toContain("80人 / 100");
    expect(rows[1]?.textContent).toContain("空きあり");
    expect(rows[2]?.textContent).toContain("不明");
  });

  it("puts tiles behind the markers when a tile server is configured", () => {
    render(<ShelterMap shelters={shelters} lang="en" tileTemplate="/tiles/{z}/{x}/{y}.png" attribution="OpenStreetMap" />);
    const map = screen.getByRole("img", { name: "Map of the shelters (crowding)" });
    expect(map.getAttribute("data-offline")).toBe("false");
    expect(map.querySelectorAll("image").length).toBeGreaterThan(0);
    expect(screen.getByText("Map data: OpenStreetMap")).toBeTruthy();
  });
});

describe("charts", () => {
  it("age bands: a summary for screen readers and a table", () => {
    render(<AgeBandChart ageBands={{ "70": 3, "90": 1 }} lang="ja" idPrefix="t" />);
    expect(screen.getByRole("img").getAttribute("aria-label")).toBe("年代別の避難者数：70代 3人、90歳以上 1人");
    const cells = screen.getAllByRole("row").map((row) => row.textContent);
    expect(cells).toContain("70代3");
  });

  it("occupancy over time: a sentence and a table", () => {
    render(
      <OccupancyChart
        points={[
          { at: "2026-11-25T01:00:00Z", present: 4, households: 2 },
          { at: "2026-11-25T02:00:00Z", present: 9, households: 4 },
        ]}
        capacity={20}
        lang="en"
        idPrefix="h"
      />,
    );
    expect(screen.getByText(/at least 4 and at most 9 evacuees; 9 now/)).toBeTruthy();
    expect(screen.getAllByRole("row")).toHaveLength(3);
  });
});
