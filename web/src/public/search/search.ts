/**
 * The public evacuee search (S10 public 1, S16.1), as pure functions: what is sent, how the
 * roster's answer is read, and which of a hit's fields are shown. The roster service leaves out
 * every field the municipality did not disclose, so the page shows exactly what came back.
 */
import type { RosterSchema } from "../../api/clients";
import type { Outcome } from "../../api/clients";
import type { Problem } from "../../api/problem";

export type SearchHit = RosterSchema["PublicSearchHit"];

export interface SearchQuery {
  readonly family_name?: string;
  readonly given_name?: string;
}

/** Trimmed names; undefined when both are empty (the roster answers that with 422 search-name-required). */
export function searchQuery(familyName: string, givenName: string): SearchQuery | undefined {
  const family = familyName.trim();
  const given = givenName.trim();
  if (family === "" && given === "") return undefined;
  return { ...(family === "" ? {} : { family_name: family }), ...(given === "" ? {} : { given_name: given }) };
}

export type SearchAnswer =
  | { readonly kind: "found"; readonly items: readonly SearchHit[] }
  | { readonly kind: "noQuery" }
  | { readonly kind: "rateLimited"; readonly retryAfterSeconds: number | undefined }
  | { readonly kind: "problem"; readonly problem: Problem }
  | { readonly kind: "http"; readonly status: number }
  | { readonly kind: "network" };

/** Retry-After in seconds (RFC 9110: delta-seconds; an HTTP date is read too). */
export function retryAfterSeconds(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === "") return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

export function answerOf(outcome: Outcome<{ items: SearchHit[] }>, retryAfter?: string | null): SearchAnswer {
  if (outcome.ok) return { kind: "found", items: outcome.data.items };
  const { failure } = outcome;
  if (failure.kind === "network") return { kind: "network" };
  const status = failure.kind === "problem" ? failure.problem.status : failure.status;
  if (status === 429) return { kind: "rateLimited", retryAfterSeconds: retryAfterSeconds(retryAfter) };
  if (failure.kind === "problem" && failure.problem.slug === "search-name-required") return { kind: "noQuery" };
  if (failure.kind === "problem") return { kind: "problem", problem: failure.problem };
  return { kind: "http", status: failure.status };
}

/** The fields of a hit, in reading order, that the roster disclosed (present and not null). */
export type HitField = "name" | "kana" | "sex" | "age" | "address";

export function disclosedFields(hit: SearchHit): HitField[] {
  const has = (value: unknown) => value !== undefined && value !== null && value !== "";
  const fields: HitField[] = [];
  if (has(hit.family_name) || has(hit.given_name)) fields.push("name");
  if (has(hit.family_name_kana) || has(hit.given_name_kana)) fields.push("kana");
  if (has(hit.sex)) fields.push("sex");
  if (has(hit.age) || has(hit.age_band)) fields.push("age");
  if (has(hit.address)) fields.push("address");
  return fields;
}

/** 山田 花子: the parts that were disclosed, family name first (Japanese order, S12). */
export function joinName(family: string | null | undefined, given: string | null | undefined): string {
  return [family, given].filter((part): part is string => typeof part === "string" && part !== "").join(" ");
}
