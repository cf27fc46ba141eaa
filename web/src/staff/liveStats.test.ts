import { describe, expect, it } from "vitest";
import type { ShelterStatistics } from "../api/clients";
import { mergeList, withLiveState } from "./liveStats";

const item = (id: string, present: number) => ({ shelter_id: id, present }) as ShelterStatistics;

// Review item 3: an event that arrives while the list is read is newer than the list.
describe("mergeList (S13)", () => {
  it("takes the list except for shelters that got an event during the read", () => {
    const current = new Map([["a", item("a", 9)]]);
    const listed = new Map([
      ["a", item("a", 8)],
      ["b", item("b", 1)],
      ["c", item("c", 2)],
    ]);
    // a: changed during the read (keep 9); c: deleted during the read (gone from current).
    const merged = mergeList(current, listed, new Set(["a", "c"]));
    expect([...merged.entries()].map(([id, value]) => [id, value.present])).toEqual([
      ["a", 9],
      ["b", 1],
    ]);
  });
});

// Review item 8: another staff member or a kiosk opened the shelter after the list was read.
describe("withLiveState (S13)", () => {
  const shelter = { shelter_id: "a", is_open: false, training: false };
  const opened = { shelter_id: "a", present: 0, is_open: true, training: true } as ShelterStatistics;
  it("takes open/training from the live statistics", () => {
    expect(withLiveState(shelter, opened, undefined)).toEqual({ shelter_id: "a", is_open: true, training: true });
    expect(withLiveState(shelter, undefined, undefined)).toBe(shelter);
  });
  it("keeps the page's own newer answer until the next event", () => {
    expect(withLiveState(shelter, opened, opened)).toBe(shelter);
  });
});
