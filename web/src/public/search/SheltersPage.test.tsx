import { cleanup, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StatsSchema } from "../../api/clients";
import { LanguageProvider } from "../../i18n/context";
import { applyLive, SheltersPage, type State } from "./SheltersPage";

type Statistics = StatsSchema["ShelterStatisticsPublic"];

function stats(id: string, present: number, more: Partial<Statistics> = {}): Statistics {
  return {
    shelter_id: id,
    name: `避難所${id}`,
    address: null,
    age_bands: {},
    capacity: 100,
    checked_in: present,
    checked_out: 0,
    present,
    households: present,
    is_open: true,
    training: false,
    occupancy_rate: present / 100,
    crowding_level: "low",
    ...more,
  } as Statistics;
}

/** A stand-in EventSource: counts how many the page opens and lets the test send messages. */
class FakeSource {
  static readonly CLOSED = 2;
  static made: FakeSource[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSource.made.push(this);
  }
  addEventListener() {}
  close() {
    this.closed = true;
  }
}

beforeEach(() => {
  FakeSource.made = [];
  vi.stubGlobal("EventSource", FakeSource);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("applyLive (S13)", () => {
  const loaded: State = { state: "loaded", shelters: [{ statistics: stats("a", 1), latitude: 35, longitude: 139 }] };
  it("updates a shown shelter in place and keeps its position", () => {
    const { state, reload } = applyLive(loaded, stats("a", 7));
    expect(reload).toBe(false);
    expect(state.state === "loaded" && state.shelters[0]).toMatchObject({ latitude: 35, statistics: { present: 7 } });
  });
  it("reloads when a shelter opens, closes or starts training, and ignores hidden ones", () => {
    expect(applyLive(loaded, stats("b", 0)).reload).toBe(true);
    expect(applyLive(loaded, stats("a", 0, { is_open: false })).reload).toBe(true);
    expect(applyLive(loaded, stats("a", 0, { training: true })).reload).toBe(true);
    expect(applyLive(loaded, stats("c", 0, { is_open: false }))).toEqual({ state: loaded, reload: false });
    expect(applyLive({ state: "loading" }, stats("a", 3)).reload).toBe(false);
  });
});

// Review item 2: the page re-subscribed after every event (events lost, 429 for many phones).
describe("SheltersPage live updates (S13)", () => {
  it("keeps ONE event stream while many events arrive, and shows the newest figures", async () => {
    vi.stubGlobal("fetch", (request: Request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/stats/shelters") return Promise.resolve(new Response(JSON.stringify({ items: [stats("a", 0)], limit: 500, offset: 0, total: 1 }), { status: 200, headers: { "content-type": "application/json" } }));
      return Promise.resolve(new Response(JSON.stringify({ shelter_id: "a", latitude: null, longitude: null }), { status: 200, headers: { "content-type": "application/json" } }));
    });
    render(
      <LanguageProvider lang="ja">
        <SheltersPage />
      </LanguageProvider>,
    );
    await waitFor(() => expect(screen.getAllByText(/避難所a/).length).toBeGreaterThan(0));
    expect(FakeSource.made).toHaveLength(1);
    for (let present = 1; present <= 5; present += 1) {
      FakeSource.made[0]!.onmessage?.({ data: JSON.stringify(stats("a", present)) });
      await waitFor(() => expect(document.body.textContent).toContain(`${present}人`));
    }
    expect(FakeSource.made).toHaveLength(1);
    expect(FakeSource.made[0]!.closed).toBe(false);
  });
});

// Review items 12 and 29: the list stopped at 500 shelters; a live event must not make the page
// ask for every shelter again.
describe("SheltersPage with many shelters (S14)", () => {
  it("lists all 600 open shelters, and a live event for one of them reads nothing again", async () => {
    const all = Array.from({ length: 600 }, (_, index) => stats(`s${String(index).padStart(3, "0")}`, 1));
    const asked: string[] = [];
    vi.stubGlobal("fetch", (request: Request) => {
      const url = new URL(request.url);
      asked.push(url.pathname);
      if (url.pathname === "/api/stats/shelters") {
        const offset = Number(url.searchParams.get("offset") ?? "0");
        const limit = Number(url.searchParams.get("limit") ?? "100");
        const body = { items: all.slice(offset, offset + limit), limit, offset, total: all.length };
        return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } }));
      }
      const id = url.pathname.split("/").pop();
      return Promise.resolve(new Response(JSON.stringify({ shelter_id: id, latitude: null, longitude: null }), { status: 200, headers: { "content-type": "application/json" } }));
    });
    render(
      <LanguageProvider lang="ja">
        <SheltersPage />
      </LanguageProvider>,
    );
    await waitFor(() => expect(document.querySelectorAll("[data-testid=shelter-row]")).toHaveLength(600), { timeout: 10_000 });
    expect(document.body.textContent).toContain("避難所s599");
    expect(asked.filter((path) => path === "/api/stats/shelters")).toHaveLength(2);
    const before = asked.length;
    FakeSource.made[0]!.onmessage?.({ data: JSON.stringify(stats("s599", 9)) });
    await waitFor(() => expect(document.body.textContent).toContain("9人"));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(asked.slice(before)).toEqual([]);
  }, 20_000);
});
