/**
 * The staff session (S10.1, S10.2): sign-in with the auth service's HttpOnly cookies, the CSRF
 * header on every unsafe call, a refresh shortly before the access token expires, sign-out,
 * and who is signed in (role and assigned shelters).
 *
 * Stable interface for every staff screen (also web/src/staff/admin/**):
 *
 *   const session = useSession();
 *   session.status                 "checking" | "signedIn" | "signedOut"
 *   session.principal              { userId, role, shelters, accessExpiresAt } | null
 *   session.endedBecause           "expired" | "signedOut" | undefined  (why it is signedOut)
 *   session.clients.registration   typed openapi-fetch clients (cookies + CSRF + refresh),
 *   session.clients.roster         e.g. session.call(session.clients.roster.GET(...))
 *   session.clients.stats
 *   session.call(promise)          -> { ok: true, data } | { ok: false, message: StaffMessage }
 *   session.json(method, url, body?) for APIs without generated types (auth, new endpoints)
 *   session.download(url, onProgress) a file (CSV) with progress, as a Blob
 *   session.signIn(userId, password) / signOut() / changePassword(userId, current, next)
 *   session.mayChange(shelterId)   administrators everywhere, shelter staff on their shelters
 *   session.isAdministrator, session.seesAllShelters
 *
 * A failed call's `message` (messages.ts) has the problem's title in Japanese and English,
 * its invalid fields and password-policy violations; show it with <ProblemNotice>.
 */
import { createContext, type ComponentChildren } from "preact";
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { createStaffClients, csrfHeaderFor, staffFetch, type StaffClients } from "../api/clients";
import { failureOf } from "../api/problem";
import { staffMessage, type StaffMessage } from "./messages";

export type StaffRole = "administrator" | "shelter_staff" | "hq_viewer";

export interface StaffPrincipal {
  readonly userId: string;
  readonly role: StaffRole;
  /** The shelters a shelter_staff account is assigned to; empty for the other roles (they see all). */
  readonly shelters: readonly string[];
  /** When the current access token expires (ms since the epoch); refreshed before then. */
  readonly accessExpiresAt: number;
}

export type SessionStatus = "checking" | "signedIn" | "signedOut";
export type EndReason = "expired" | "signedOut";

export type StaffOutcome<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly message: StaffMessage };

/** What sign-in can end with; `passwordChangeRequired` and lock-outs are refusals with their problem. */
export type SignInResult = { readonly ok: true; readonly principal: StaffPrincipal } | { readonly ok: false; readonly message: StaffMessage };

export interface Session {
  readonly status: SessionStatus;
  readonly principal: StaffPrincipal | null;
  readonly endedBecause: EndReason | undefined;
  readonly clients: StaffClients;
  readonly isAdministrator: boolean;
  readonly seesAllShelters: boolean;
  mayChange(shelterId: string): boolean;
  call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<StaffOutcome<T>>;
  json<T>(method: string, url: string, body?: unknown): Promise<StaffOutcome<T>>;
  download(url: string, onProgress?: (received: number, total: number | undefined) => void): Promise<StaffOutcome<Blob>>;
  signIn(userId: string, password: string): Promise<SignInResult>;
  signOut(): Promise<void>;
  changePassword(userId: string, currentPassword: string, newPassword: string): Promise<StaffOutcome<null>>;
  /** Renews the access token now (single flight); false when the session has ended. */
  refresh(): Promise<boolean>;
  /** A call made outside the clients (the upload's XMLHttpRequest) saw the refresh refused: the session is over. */
  expired(): void;
}

/** The token answer of sign-in and refresh (auth's TokenResponse) and of /me. */
interface TokenAnswer {
  subject?: unknown;
  role?: unknown;
  shelters?: unknown;
  expires_in?: unknown;
  expires_at?: unknown;
}

const ROLES: readonly StaffRole[] = ["administrator", "shelter_staff", "hq_viewer"];
/** Renew this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;
const MIN_REFRESH_DELAY_MS = 5_000;

/** Reads who signed in from auth's answer; undefined when it is not a staff principal. */
export function principalOf(answer: TokenAnswer, now: number): StaffPrincipal | undefined {
  const role = ROLES.find((candidate) => candidate === answer.role);
  if (typeof answer.subject !== "string" || role === undefined) return undefined;
  const shelters = Array.isArray(answer.shelters) ? answer.shelters.filter((s): s is string => typeof s === "string") : [];
  let accessExpiresAt = now + 10 * 60_000;
  if (typeof answer.expires_in === "number") accessExpiresAt = now + answer.expires_in * 1000;
  else if (typeof answer.expires_at === "string" && !Number.isNaN(Date.parse(answer.expires_at))) {
    accessExpiresAt = Date.parse(answer.expires_at);
  }
  return { userId: answer.subject, role, shelters, accessExpiresAt };
}

/** How long to wait before renewing a token that expires at `expiresAt`. */
export function refreshDelay(expiresAt: number, now: number): number {
  return Math.max(MIN_REFRESH_DELAY_MS, expiresAt - now - REFRESH_MARGIN_MS);
}

export function mayChangeShelter(principal: StaffPrincipal | null, shelterId: string): boolean {
  if (principal === null) return false;
  if (principal.role === "administrator") return true;
  return principal.role === "shelter_staff" && principal.shelters.includes(shelterId);
}

async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** How a refresh ended: renewed, refused (the session is over), or not answered (try later). */
export type Renewal = "renewed" | "ended" | "unavailable";

const REFRESH_LOCK = "shelter-staff-refresh";

/** The wait before retrying a refresh that failed `failures` times before (network, 5xx). */
export function retryAfterFailure(failures: number): number {
  return Math.min(60_000, 5_000 * 2 ** Math.max(0, failures));
}

/** What a refresh answer means: 401/403 end the session; other failures are transient. */
export function renewalOf(status: number): Renewal {
  if (status >= 200 && status < 300) return "renewed";
  return status === 401 || status === 403 ? "ended" : "unavailable";
}

export function samePrincipal(a: StaffPrincipal, b: StaffPrincipal): boolean {
  return a.userId === b.userId && a.role === b.role && a.shelters.length === b.shelters.length && a.shelters.every((id, index) => b.shelters[index] === id);
}

async function renewNow(accept: (principal: StaffPrincipal) => void, askFirst: boolean): Promise<Renewal> {
  try {
    if (askFirst) {
      // Another tab may have renewed the (shared) cookies while this one waited for the lock.
      const me = await globalThis.fetch(new Request("/api/auth/me", { credentials: "same-origin", headers: { Accept: "application/json" } }));
      const answer = me.ok ? ((await bodyOf(me)) as TokenAnswer | undefined) : undefined;
      if (answer !== undefined && typeof answer === "object" && (typeof answer.expires_at === "string" || typeof answer.expires_in === "number")) {
        const current = principalOf(answer, Date.now());
        if (current !== undefined && current.accessExpiresAt - Date.now() > REFRESH_MARGIN_MS + MIN_REFRESH_DELAY_MS) {
          accept(current);
          return "renewed";
        }
      }
    }
    const response = await globalThis.fetch(new Request("/api/auth/refresh", { method: "POST", credentials: "same-origin", headers: csrfHeaders() }));
    const outcome = renewalOf(response.status);
    if (outcome !== "renewed") return outcome;
    const next = principalOf((await bodyOf(response)) as TokenAnswer, Date.now());
    if (next === undefined) return "ended";
    accept(next);
    return "renewed";
  } catch {
    return "unavailable";
  }
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [status, setStatus] = useState<SessionStatus>("checking");
  const [principal, setPrincipal] = useState<StaffPrincipal | null>(null);
  const [expiresAt, setExpiresAt] = useState<number | undefined>(undefined);
  const [endedBecause, setEndedBecause] = useState<EndReason | undefined>(undefined);
  const refreshing = useRef<Promise<Renewal> | null>(null);
  const signedIn = useRef(false);

  const accept = useCallback((next: StaffPrincipal) => {
    signedIn.current = true;
    // The same principal object while the same person with the same role and shelters is signed
    // in: a refresh every few minutes must not re-run every screen's effects (reloading lists).
    setPrincipal((current) => (current !== null && samePrincipal(current, next) ? current : next));
    setExpiresAt(next.accessExpiresAt);
    setEndedBecause(undefined);
    setStatus("signedIn");
  }, []);

  const end = useCallback((reason: EndReason | undefined) => {
    const wasSignedIn = signedIn.current;
    signedIn.current = false;
    setPrincipal(null);
    setExpiresAt(undefined);
    setEndedBecause(wasSignedIn ? reason : undefined);
    setStatus("signedOut");
  }, []);

  // Single flight per tab, and across tabs through a Web Lock: two tabs presenting the same
  // refresh token (after a laptop wakes up) would look like token reuse, and auth then revokes
  // the session (S10.1). The tab that gets the lock second first asks /me whether the other one
  // has renewed the shared cookies already.
  const renew = useCallback((): Promise<Renewal> => {
    if (refreshing.current !== null) return refreshing.current;
    const locks = typeof navigator === "undefined" ? undefined : (navigator as Navigator & { locks?: LockManager | null }).locks;
    const running: Promise<Renewal> =
      typeof locks?.request === "function"
        ? (async (): Promise<Renewal> => await locks.request(REFRESH_LOCK, () => renewNow(accept, true)))().catch((): Renewal => "unavailable")
        : renewNow(accept, false);
    refreshing.current = running;
    void running.finally(() => {
      if (refreshing.current === running) refreshing.current = null;
    });
    return running;
  }, [accept]);

  // False only when the session has ended (auth refused the refresh token); a network error or
  // a 5xx answer is not the end of the session (the caller sees its error and may try again).
  const refresh = useCallback(async (): Promise<boolean> => (await renew()) !== "ended", [renew]);

  const fetchFn = useMemo(() => staffFetch(refresh, () => end("expired")), [refresh, end]);
  const clients = useMemo(() => createStaffClients(fetchFn), [fetchFn]);

  // Who is signed in when the page opens (the cookies outlive a reload).
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const response = await fetchFn(new Request("/api/auth/me", { headers: { Accept: "application/json" } }));
        if (cancelled) return;
        const next = response.ok ? principalOf((await bodyOf(response)) as TokenAnswer, Date.now()) : undefined;
        if (next === undefined) end(undefined);
        else accept(next);
      } catch {
        if (!cancelled) end(undefined);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [fetchFn, accept, end]);

  // Renew the access token a minute before it expires, for as long as the session lasts.
  // A short outage (network, 5xx) is retried with a growing wait instead of signing staff out
  // and losing their forms; only a refused refresh ends the session.
  useEffect(() => {
    if (expiresAt === undefined) return;
    let timer: number | undefined;
    let failures = 0;
    let stopped = false;
    const attempt = () => {
      void renew().then((outcome) => {
        if (stopped) return;
        if (outcome === "ended") end("expired");
        else if (outcome === "unavailable") {
          timer = window.setTimeout(attempt, retryAfterFailure(failures));
          failures += 1;
        }
      });
    };
    timer = window.setTimeout(attempt, refreshDelay(expiresAt, Date.now()));
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [expiresAt, renew, end]);

  const session = useMemo<Session>(() => {
    const call = async <T,>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<StaffOutcome<T>> => {
      try {
        const { data, error, response } = await request;
        if (response.ok) return { ok: true, data: (data ?? null) as T };
        return { ok: false, message: staffMessage(failureOf(error, response.status)) };
      } catch {
        return { ok: false, message: staffMessage({ kind: "network" }) };
      }
    };
    const json = async <T,>(method: string, url: string, body?: unknown): Promise<StaffOutcome<T>> => {
      try {
        const init: RequestInit = { method, headers: { Accept: "application/json, application/problem+json" } };
        if (body !== undefined) {
          init.headers = { ...init.headers, "Content-Type": "application/json" };
          init.body = JSON.stringify(body);
        }
        const response = await fetchFn(new Request(url, init));
        const parsed = await bodyOf(response);
        if (response.ok) return { ok: true, data: (parsed ?? null) as T };
        return { ok: false, message: staffMessage(failureOf(parsed, response.status)) };
      } catch {
        return { ok: false, message: staffMessage({ kind: "network" }) };
      }
    };
    const download = async (
      url: string,
      onProgress?: (received: number, total: number | undefined) => void,
    ): Promise<StaffOutcome<Blob>> => {
      try {
        const response = await fetchFn(new Request(url, { headers: { Accept: "text/csv, application/problem+json" } }));
        if (!response.ok) return { ok: false, message: staffMessage(failureOf(await bodyOf(response), response.status)) };
        const length = Number(response.headers.get("content-length"));
        const total = Number.isFinite(length) && length > 0 ? length : undefined;
        const type = response.headers.get("content-type") ?? "application/octet-stream";
        if (response.body === null) return { ok: true, data: await response.blob() };
        const reader = response.body.getReader();
        const chunks: Uint8Array[] = [];
        let received = 0;
        onProgress?.(0, total);
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          received += value.byteLength;
          onProgress?.(received, total);
        }
        return { ok: true, data: new Blob(chunks as BlobPart[], { type }) };
      } catch {
        return { ok: false, message: staffMessage({ kind: "network" }) };
      }
    };
    const signIn = async (userId: string, password: string): Promise<SignInResult> => {
      try {
        const response = await globalThis.fetch(
          new Request("/api/auth/sign-in", {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", Accept: "application/json, application/problem+json" },
            body: JSON.stringify({ user_id: userId, password, cookie: true }),
          }),
        );
        const parsed = await bodyOf(response);
        if (!response.ok) return { ok: false, message: staffMessage(failureOf(parsed, response.status)) };
        const next = principalOf(parsed as TokenAnswer, Date.now());
        if (next === undefined) return { ok: false, message: staffMessage({ kind: "http", status: 403 }) };
        accept(next);
        return { ok: true, principal: next };
      } catch {
        return { ok: false, message: staffMessage({ kind: "network" }) };
      }
    };
    const signOut = async () => {
      try {
        await globalThis.fetch(
          new Request("/api/auth/sign-out", { method: "POST", credentials: "same-origin", headers: csrfHeaders() }),
        );
      } catch {
        // Signed out here anyway; the refresh token expires on its own.
      }
      end("signedOut");
    };
    const changePassword = async (userId: string, currentPassword: string, newPassword: string) => {
      const outcome = await json<null>("POST", "/api/auth/password", {
        user_id: userId,
        current_password: currentPassword,
        new_password: newPassword,
      });
      // Every session of the account ends with the change (S10.2): sign in with the new password.
      if (outcome.ok && signedIn.current) end("signedOut");
      return outcome;
    };
    return {
      status,
      principal,
      endedBecause,
      clients,
      isAdministrator: principal?.role === "administrator",
      seesAllShelters: principal !== null && principal.role !== "shelter_staff",
      mayChange: (shelterId: string) => mayChangeShelter(principal, shelterId),
      call,
      json,
      download,
      signIn,
      signOut,
      changePassword,
      refresh,
      expired: () => end("expired"),
    };
  }, [status, principal, endedBecause, clients, fetchFn, accept, end, refresh]);

  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

function csrfHeaders(): Record<string, string> {
  return csrfHeaderFor(document.cookie);
}

/** The staff session; only inside <SessionProvider> (the staff app wraps every staff screen in one). */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error("useSession outside <SessionProvider>");
  return session;
}
