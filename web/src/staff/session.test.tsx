import { cleanup, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LanguageProvider } from "../i18n/context";
import { renewalOf, retryAfterFailure, SessionProvider, useSession, type Session } from "./session";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

let captured: Session | undefined;
function Probe() {
  captured = useSession();
  return <p data-testid="state">{`${captured.status}:${captured.principal?.userId ?? "-"}:${captured.endedBecause ?? "-"}`}</p>;
}

function mount() {
  render(
    <LanguageProvider lang="ja">
      <SessionProvider>
        <Probe />
      </SessionProvider>
    </LanguageProvider>,
  );
}

const state = () => screen.getByTestId("state").textContent;

afterEach(() => {
  cleanup();
  captured = undefined;
  vi.unstubAllGlobals();
});

/** auth faked: /me refuses (nobody signed in yet), sign-in works, `refresh` and `roster` answer as given. */
function fakeAuth(answers: { refresh: () => Response; roster: () => Response; me?: () => Response }) {
  const seen: string[] = [];
  vi.stubGlobal("fetch", (request: Request) => {
    const path = new URL(request.url).pathname;
    seen.push(`${request.method} ${path}`);
    if (path === "/api/auth/me") return Promise.resolve(answers.me?.() ?? json(401, {}));
    if (path === "/api/auth/sign-in") return Promise.resolve(json(200, { subject: "sato", role: "shelter_staff", shelters: ["a"], expires_in: 600 }));
    if (path === "/api/auth/refresh") return Promise.resolve(answers.refresh());
    if (path === "/api/roster/shelters/a/entries") return Promise.resolve(answers.roster());
    return Promise.resolve(json(404, {}));
  });
  return seen;
}

const rosterCall = () => captured!.call(captured!.clients.roster.GET("/shelters/{shelter_id}/entries", { params: { path: { shelter_id: "a" } } }));

// Review item 4: only a refused refresh ends the session; outages are retried; tabs take turns.
describe("session refresh", () => {
  it("tells a refused refresh (the end) from an outage (try again later)", () => {
    expect([200, 401, 403, 429, 500, 502, 503].map(renewalOf)).toEqual(["renewed", "ended", "ended", "unavailable", "unavailable", "unavailable", "unavailable"]);
    expect([0, 1, 2, 3, 4, 9].map(retryAfterFailure)).toEqual([5000, 10000, 20000, 40000, 60000, 60000]);
  });

  it("keeps the session when auth answers 503 or the network fails during a refresh", async () => {
    let refresh = () => json(503, { title: "unavailable", status: 503 });
    fakeAuth({ refresh: () => refresh(), roster: () => json(401, {}) });
    mount();
    await waitFor(() => expect(state()).toBe("signedOut:-:-"));
    expect((await captured!.signIn("sato", "right")).ok).toBe(true);
    await waitFor(() => expect(state()).toBe("signedIn:sato:-"));
    expect((await rosterCall()).ok).toBe(false);
    expect(await captured!.refresh()).toBe(true);
    refresh = () => {
      throw new TypeError("network");
    };
    expect((await rosterCall()).ok).toBe(false);
    expect(state()).toBe("signedIn:sato:-");
    refresh = () => json(401, {});
    expect(await captured!.refresh()).toBe(false);
  });

  it("asks /me under the lock first and does not refresh again when another tab already did", async () => {
    const locked: string[] = [];
    vi.stubGlobal("navigator", {
      ...navigator,
      locks: { request: (name: string, work: () => Promise<unknown>) => (locked.push(name), work()) },
    });
    let signedIn = false;
    const seen = fakeAuth({
      refresh: () => (signedIn ? json(200, { subject: "sato", role: "shelter_staff", shelters: ["a"], expires_in: 600 }) : json(401, {})),
      roster: () => json(200, { items: [], total: 0, limit: 50, offset: 0 }),
      me: () =>
        signedIn ? json(200, { subject: "sato", role: "shelter_staff", shelters: ["a"], expires_at: new Date(Date.now() + 540_000).toISOString() }) : json(401, {}),
    });
    mount();
    await waitFor(() => expect(state()).toBe("signedOut:-:-"));
    expect((await captured!.signIn("sato", "right")).ok).toBe(true);
    await waitFor(() => expect(state()).toBe("signedIn:sato:-"));
    const before = captured!.principal;
    signedIn = true;
    locked.length = 0;
    seen.length = 0;
    expect(await captured!.refresh()).toBe(true);
    expect(locked).toEqual(["shelter-staff-refresh"]);
    expect(seen.filter((line) => line === "POST /api/auth/refresh")).toEqual([]);
    // Review item 16: the same principal object after a renewal (screens do not reload).
    await waitFor(() => expect(state()).toBe("signedIn:sato:-"));
    expect(captured!.principal).toBe(before);
  });
});

// S10.1: cookie sessions with a CSRF header and a refresh when the access token has expired.
describe("SessionProvider", () => {
  it("restores the session from /me, refreshing an expired access token once (CSRF: withCsrf tests, browser tests)", async () => {
    const seen: string[] = [];
    let meCalls = 0;
    vi.stubGlobal("fetch", (request: Request) => {
      seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get("X-CSRF-Token") ?? ""}`);
      const path = new URL(request.url).pathname;
      if (path === "/api/auth/me") {
        meCalls += 1;
        return Promise.resolve(
          meCalls === 1
            ? json(401, { title: "expired", title_ja: "期限切れ", status: 401 })
            : json(200, { subject: "sato", kind: "staff", role: "administrator", shelters: [], expires_at: new Date(Date.now() + 600_000).toISOString() }),
        );
      }
      if (path === "/api/auth/refresh") return Promise.resolve(json(200, { subject: "sato", role: "administrator", shelters: [], expires_in: 600 }));
      return Promise.resolve(json(404, {}));
    });
    mount();
    await waitFor(() => expect(state()).toBe("signedIn:sato:-"));
    expect(seen).toEqual(["GET /api/auth/me ", "POST /api/auth/refresh ", "GET /api/auth/me "]);
  });

  it("signs in, turns refusals into bilingual messages, and tells an expired session from a sign-out", async () => {
    vi.stubGlobal("fetch", (request: Request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/auth/me") return Promise.resolve(json(401, {}));
      if (path === "/api/auth/refresh") return Promise.resolve(json(401, {}));
      if (path === "/api/auth/sign-in") {
        return request.json().then((body: { password: string }) =>
          body.password === "right"
            ? json(200, { subject: "sato", role: "shelter_staff", shelters: ["a"], expires_in: 600, csrf_token: "c" })
            : json(403, {
                type: "https://x/problems/account-locked-out",
                status: 403,
                title: "Too many failed sign-ins",
                title_ja: "アカウントがロックされました",
              }),
        );
      }
      if (path === "/api/roster/shelters/a/entries") return Promise.resolve(json(401, {}));
      return Promise.resolve(json(404, {}));
    });
    mount();
    await waitFor(() => expect(state()).toBe("signedOut:-:-"));
    const refused = await captured!.signIn("sato", "wrong");
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.message.slug).toBe("account-locked-out");
      expect(refused.message.title.ja).toBe("アカウントがロックされました");
    }
    const signedIn = await captured!.signIn("sato", "right");
    expect(signedIn.ok).toBe(true);
    await waitFor(() => expect(state()).toBe("signedIn:sato:-"));
    expect(captured!.mayChange("a")).toBe(true);
    expect(captured!.seesAllShelters).toBe(false);
    // The access token expired and so did the session: the next call ends it as "expired".
    const call = await captured!.call(captured!.clients.roster.GET("/shelters/{shelter_id}/entries", { params: { path: { shelter_id: "a" } } }));
    expect(call.ok).toBe(false);
    await waitFor(() => expect(state()).toBe("signedOut:-:expired"));
  });
});
