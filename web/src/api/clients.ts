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
