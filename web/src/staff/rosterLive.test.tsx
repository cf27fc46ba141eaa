import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RosterEntry } from "../api/clients";
import { LanguageProvider } from "../i18n/context";
import { keepingOpenEntry } from "./roster";
import { RosterPage } from "./RosterPage";
import { rosterSignature } from "./rosterLive";
import { SessionProvider, useSession } from "./session";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function entry(id: string, family: string): RosterEntry {
  return {
    stay_id: id,
    shelter_id: "a",
    serial: null,
    age_band: 70,
    channel: 3,
    checked_in_at: "2026-11-25T01:00:00Z",
    checked_out_at: null,
    forced_check_out: false,
    household_number: null,
    message: null,
    remarks: null,
    revision: 1,
    statuses: [],
    training: false,
    transferred_from: null,
    personal: { family_name: family, given_name: "花子", address: "東京都千代田区1-1", date_of_birth: "1950-04-01", sex: "female" },
  } as unknown as RosterEntry;
}

function shelter(id: string) {
  return { shelter_id: id, name: `避難所${id}`, address: "", capacity: 10, is_open: true, training: false, latitude: null, longitude: null };
}

/** A stand-in EventSource the test sends messages through. */
class FakeSource {
  static readonly CLOSED = 2;
  static made: FakeSource[] = [];
  readyState = 1;
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
  send(body: unknown) {
    this.onmessage?.({ data: JSON.stringify(body) });
  }
}

interface Fake {
  shelters: ReturnType<typeof shelter>[];
  entries: RosterEntry[];
  asked: string[];
}

function fakeServices(fake: Fake) {
  vi.stubGlobal("fetch", (request: Request) => {
    const url = new URL(request.url);
    fake.asked.push(`${url.pathname}${url.search}`);
    if (url.pathname === "/api/auth/me") return Promise.resolve(json({ subject: "admin", role: "administrator", shelters: [], expires_in: 600 }));
    if (url.pathname === "/api/registration/shelters") {
      const offset = Number(url.searchParams.get("offset") ?? "0");
      const limit = Number(url.searchParams.get("limit") ?? "50");
      return Promise.resolve(json({ items: fake.shelters.slice(offset, offset + limit), total: fake.shelters.length, offset, limit }));
    }
    if (url.pathname === "/api/registration/settings/status-items") return Promise.resolve(json({ items: [] }));
    if (url.pathname === "/api/roster/shelters/a/entries") {
      return Promise.resolve(json({ items: fake.entries, total: fake.entries.length, offset: Number(url.searchParams.get("offset") ?? "0"), limit: 20 }));
    }
    return Promise.resolve(json({}, 404));
  });
}

/** The staff shell shows a screen once the session is known; so does this. */
function SignedIn({ shelterId }: { shelterId: string | undefined }) {
  return useSession().status === "signedIn" ? <RosterPage shelterId={shelterId} /> : null;
}

function mount(shelterId?: string) {
  render(
    <LanguageProvider lang="ja">
      <SessionProvider>
        <SignedIn shelterId={shelterId} />
      </SessionProvider>
    </LanguageProvider>,
  );
}

beforeEach(() => {
  FakeSource.made = [];
  vi.stubGlobal("EventSource", FakeSource);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

// Review item 12: the shelter choice stopped at the first 500 shelters.
describe("RosterPage shelter choice (S14)", () => {
  it("offers all 600 shelters", async () => {
    const fake: Fake = { shelters: Array.from({ length: 600 }, (_, index) => shelter(`s${index}`)), entries: [], asked: [] };
    fakeServices(fake);
    mount();
    await waitFor(() => expect(screen.getByLabelText("避難所").querySelectorAll("option")).toHaveLength(600));
    expect(screen.getByRole("option", { name: "避難所s599（s599）" })).toBeTruthy();
  });
});

// The roster was not live: a check-in at the kiosk or by smartphone needed a reload (S11, S13).
describe("RosterPage follows the shelter's events", () => {
  it("shows a new check-in without a reload, keeping the filter and an open editor", async () => {
    const fake: Fake = { shelters: [shelter("a")], entries: [entry("x", "山田")], asked: [] };
    fakeServices(fake);
    mount("a");
    await waitFor(() => expect(screen.getByText("山田 花子")).toBeTruthy());
    const stream = FakeSource.made.find((source) => source.url === "/api/stats/shelters/a/events");
    expect(stream).toBeDefined();
    // A filter typed and applied, and the editor of 山田 open with a draft.
    fireEvent.input(screen.getByLabelText(/^氏名/), { target: { value: "田" } });
    fireEvent.submit(screen.getByRole("search", { name: /絞り込み|条件/ }));
    await waitFor(() => expect(fake.asked.some((path) => path.includes("name=%E7%94%B0"))).toBe(true));
    fireEvent.click(screen.getByRole("button", { name: /^編集\s*: 山田 花子/ }));
    const address = await screen.findByLabelText<HTMLInputElement>(/^住所/, { selector: ".entry-editor input, .entry-editor textarea" });
    fireEvent.input(address, { target: { value: "下書きの住所" } });

    // The first message is the current figures (baseline); the next one is a check-in.
    stream!.send({ shelter_id: "a", checked_in: 1, checked_out: 0, present: 1 });
    fake.entries = [entry("y", "田中"), entry("x", "山田")];
    stream!.send({ shelter_id: "a", checked_in: 2, checked_out: 0, present: 2 });
    await waitFor(() => expect(screen.getByText("田中 花子")).toBeTruthy());
    // The re-read used the same filter; the editor and its draft are still there.
    const rereads = fake.asked.filter((path) => path.startsWith("/api/roster/shelters/a/entries"));
    expect(rereads[rereads.length - 1]).toContain("name=%E7%94%B0");
    expect(screen.getByDisplayValue<HTMLInputElement>("下書きの住所").isConnected).toBe(true);
  });
});

describe("rosterSignature and keepingOpenEntry", () => {
  it("tells a change of check-ins or check-outs, and ignores other messages", () => {
    expect(rosterSignature(JSON.stringify({ checked_in: 3, checked_out: 1, present: 2 }))).toBe("3/1/2");
    expect(rosterSignature("not json")).toBeUndefined();
    expect(rosterSignature(JSON.stringify({ shelter_id: "a" }))).toBeUndefined();
  });

  it("keeps the entry being edited at its place when a re-read pushed it off the page", () => {
    const a = { stay_id: "a" };
    const b = { stay_id: "b" };
    const c = { stay_id: "c" };
    const n = { stay_id: "n" };
    expect(keepingOpenEntry([n, a, b], [a, b, c], "c")).toEqual([n, a, b, c]);
    expect(keepingOpenEntry([n, a, b], [a, b, c], undefined)).toEqual([n, a, b]);
    expect(keepingOpenEntry([n, a], [a, b], "a")).toEqual([n, a]);
  });
});
