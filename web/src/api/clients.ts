/**
 * Typed clients for the services behind the gateway (same origin, `/api/<service>/`). The types
 * are generated from each service's OpenAPI document by `npm run api` (scripts/openapi/).
 */
import createClient from "openapi-fetch";
import type { components as RegistrationSchemas, paths as RegistrationPaths } from "./generated/registration";
import type { components as RosterSchemas, paths as RosterPaths } from "./generated/roster";
import type { components as StatsSchemas, paths as StatsPaths } from "./generated/stats";
import { failureOf, type Failure } from "./problem";

export type RegistrationSchema = RegistrationSchemas["schemas"];
export type RosterSchema = RosterSchemas["schemas"];
export type StatsSchema = StatsSchemas["schemas"];

export type CheckInCreate = RegistrationSchema["CheckInCreate"];
export type CheckInPublic = RegistrationSchema["CheckInPublic"];
export type CheckOutPublic = RegistrationSchema["CheckOutPublic"];
export type EvacueePersonal = RegistrationSchema["EvacueePersonal"];
export type ShelterPublic = RegistrationSchema["ShelterPublic"];
export type Sex = RegistrationSchema["Sex"];

const headers = { Accept: "application/json, application/problem+json" };

/** Resolved at call time so tests and other origins can stub `fetch`. */
const lateFetch = (input: Request) => globalThis.fetch(input);

export const registrationApi = createClient<RegistrationPaths>({ baseUrl: "/api/registration", headers, fetch: lateFetch });
export const rosterApi = createClient<RosterPaths>({ baseUrl: "/api/roster", headers, fetch: lateFetch });
export const statsApi = createClient<StatsPaths>({ baseUrl: "/api/stats", headers, fetch: lateFetch });

export type Outcome<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly failure: Failure };

/**
 * Runs an openapi-fetch call and folds its three endings (data, error body, thrown network
 * error) into one value the pages can switch on.
 */
export async function outcomeOf<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Outcome<T>> {
  try {
    const { data, error, response } = await call;
    if (response.ok && data !== undefined) return { ok: true, data };
    return { ok: false, failure: failureOf(error, response.status) };
  } catch {
    return { ok: false, failure: { kind: "network" } };
  }
}

// --- Staff calls (S10.1): cookie session, CSRF header, one refresh on an expired access token --

/** The CSRF cookie the auth service sets at sign-in; the page echoes it in X-CSRF-Token (double submit). */
export const CSRF_COOKIE = "__Host-shelter-csrf";
export const CSRF_HEADER = "X-CSRF-Token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** A 401 from these means wrong credentials or an ended session, not an expired access token. */
const NO_REFRESH = new Set(["/api/auth/sign-in", "/api/auth/refresh", "/api/auth/sign-out", "/api/auth/password"]);

/** The value of one cookie readable by script, or "" (the access and refresh cookies are HttpOnly). */
export function readCookie(cookies: string, name: string): string {
  for (const part of cookies.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join("="));
    } catch {
      return value.join("=");
    }
  }
  return "";
}

/**
 * The CSRF header (double submit) for an unsafe staff call: the CSRF cookie's value echoed in
 * X-CSRF-Token; empty when there is no such cookie. The one place every sender (fetch, the
 * session's own calls, the upload's XMLHttpRequest) takes it from.
 */
export function csrfHeaderFor(cookies: string): Record<string, string> {
  const token = readCookie(cookies, CSRF_COOKIE);
  return token === "" ? {} : { [CSRF_HEADER]: token };
}

/** Adds the CSRF header to an unsafe request authenticated by the session cookie. */
export function withCsrf(request: Request, cookies: string): Request {
  if (SAFE_METHODS.has(request.method.toUpperCase()) || request.headers.has(CSRF_HEADER)) return request;
  const csrf = csrfHeaderFor(cookies);
  if (Object.keys(csrf).length === 0) return request;
  const headers = new Headers(request.headers);
  for (const [name, value] of Object.entries(csrf)) headers.set(name, value);
  return new Request(request, { headers });
}

/**
 * Sends once; when the access token had expired (401), renews it (`refresh`, single flight in the
 * session) and sends once more. When the renewal is refused the session is over: `onSessionEnded`
 * (the staff app shows the sign-in page) and the 401 is returned. Shared by `staffFetch` and the
 * upload with progress.
 */
export async function retryAfterRefresh<R extends { readonly status: number }>(
  send: () => Promise<R>,
  refresh: () => Promise<boolean>,
  onSessionEnded: () => void,
): Promise<R> {
  const first = await send();
  if (first.status !== 401) return first;
  if (!(await refresh())) {
    onSessionEnded();
    return first;
  }
  return send();
}

/**
 * A `fetch` for staff calls: sends the session cookies and the CSRF header; when the access
 * token has expired (401), asks `refresh` once for a new one and repeats the request. `refresh`
 * is single-flight in the session layer, so many calls failing together refresh once.
 */
export function staffFetch(refresh: () => Promise<boolean>, onSessionEnded: () => void) {
  return async (input: Request): Promise<Response> => {
    const request = new Request(input, { credentials: "same-origin" });
    if (NO_REFRESH.has(new URL(request.url).pathname)) return globalThis.fetch(withCsrf(request, document.cookie));
    const retry = request.clone();
    let sent = false;
    // The first attempt sends `request`, the second its copy (a body can be read only once).
    return retryAfterRefresh(
      () => {
        const next = sent ? retry : request;
        sent = true;
        return globalThis.fetch(withCsrf(next, document.cookie));
      },
      refresh,
      onSessionEnded,
    );
  };
}

export interface StaffClients {
  readonly registration: ReturnType<typeof createClient<RegistrationPaths>>;
  readonly roster: ReturnType<typeof createClient<RosterPaths>>;
  readonly stats: ReturnType<typeof createClient<StatsPaths>>;
  /** Plain calls for what has no generated types yet (auth, CSV downloads): same cookies, CSRF and refresh. */
  readonly fetch: (input: Request) => Promise<Response>;
}

export function createStaffClients(fetchFn: (input: Request) => Promise<Response>): StaffClients {
  return {
    registration: createClient<RegistrationPaths>({ baseUrl: "/api/registration", headers, fetch: fetchFn }),
    roster: createClient<RosterPaths>({ baseUrl: "/api/roster", headers, fetch: fetchFn }),
    stats: createClient<StatsPaths>({ baseUrl: "/api/stats", headers, fetch: fetchFn }),
    fetch: fetchFn,
  };
}

export type RosterEntry = RosterSchema["RosterEntryPublic"];
export type RosterPage = RosterSchema["RosterPage"];
export type RosterEntryUpdate = RosterSchema["RosterEntryUpdate"];
export type EntryHistory = RosterSchema["EntryHistory"];
export type Presence = RosterSchema["Presence"];
export type ShelterStatistics = StatsSchema["ShelterStatisticsPublic"];
export type MunicipalityTotals = StatsSchema["MunicipalityTotalsPublic"];
export type CrowdingLevel = StatsSchema["CrowdingLevel"];
export type StaffCheckInCreate = RegistrationSchema["StaffCheckInCreate"];
