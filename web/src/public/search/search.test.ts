import { describe, expect, it } from "vitest";
import { answerOf, disclosedFields, joinName, retryAfterSeconds, searchQuery } from "./search";

// S10 public 1 / S16.1: search by family name, given name or both; only the disclosed fields.
describe("public search", () => {
  it("sends the trimmed names that were given, and nothing when both are empty", () => {
    expect(searchQuery(" 山田 ", "")).toEqual({ family_name: "山田" });
    expect(searchQuery("", "花子")).toEqual({ given_name: "花子" });
    expect(searchQuery("山田", "花子")).toEqual({ family_name: "山田", given_name: "花子" });
    expect(searchQuery("  ", "\t")).toBeUndefined();
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(retryAfterSeconds("42")).toBe(42);
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds("soon")).toBeUndefined();
    expect(retryAfterSeconds("Wed, 25 Nov 2026 10:00:30 GMT", Date.parse("2026-11-25T10:00:00Z"))).toBe(30);
  });

  it("tells a rate limit, a missing name and other refusals apart", () => {
    const problem = (status: number, slug: string) => ({
      ok: false as const,
      failure: {
        kind: "problem" as const,
        problem: { type: `https://x/problems/${slug}`, slug, status, title: "t", titleJa: "タ", detail: undefined, invalidParams: [], extensions: {} },
      },
    });
    expect(answerOf(problem(429, "too-many-requests"), "17")).toEqual({ kind: "rateLimited", retryAfterSeconds: 17 });
    expect(answerOf({ ok: false, failure: { kind: "http", status: 429 } }, null)).toEqual({ kind: "rateLimited", retryAfterSeconds: undefined });
    expect(answerOf(problem(422, "search-name-required"))).toEqual({ kind: "noQuery" });
    expect(answerOf(problem(503, "unavailable")).kind).toBe("problem");
    expect(answerOf({ ok: false, failure: { kind: "network" } })).toEqual({ kind: "network" });
    expect(answerOf({ ok: true, data: { items: [] } })).toEqual({ kind: "found", items: [] });
  });

  it("shows only the fields the roster returned", () => {
    expect(disclosedFields({ shelter_id: "a", shelter_name: "A", family_name: "山田", given_name: "花子" })).toEqual(["name"]);
    expect(
      disclosedFields({ shelter_id: "a", shelter_name: "A", family_name: "山田", sex: "female", age_band: 70, address: "千代田区" }),
    ).toEqual(["name", "sex", "age", "address"]);
    expect(disclosedFields({ shelter_id: "a", shelter_name: "A", family_name: null, age: null })).toEqual([]);
    expect(joinName("山田", null)).toBe("山田");
    expect(joinName("山田", "花子")).toBe("山田 花子");
  });
});
