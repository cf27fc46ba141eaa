import { describe, expect, it } from "vitest";
import { failureOf, parseProblem, problemTitle } from "./problem";

// STYLE habit 7: errors cross HTTP as RFC 9457 problem details with title and title_ja.
const validation = {
  type: "https://shelter-checkin.example/problems/validation-error",
  title: "Some fields are missing or invalid",
  title_ja: "入力内容に誤りがあります",
  status: 422,
  "invalid-params": [{ name: "personal.family_name", reason: "String should have at least 1 character" }],
};

describe("parseProblem", () => {
  it("reads the services' problem details", () => {
    const problem = parseProblem(validation, 422);
    expect(problem).toEqual({
      type: validation.type,
      slug: "validation-error",
      status: 422,
      title: "Some fields are missing or invalid",
      titleJa: "入力内容に誤りがあります",
      detail: undefined,
      invalidParams: [{ name: "personal.family_name", reason: "String should have at least 1 character" }],
      extensions: {},
    });
  });

  it("keeps the extension members", () => {
    const problem = parseProblem({ type: "https://x.example/problems/unknown-status", title: "t", unknown_statuses: ["x"], instance: "/x" }, 422);
    expect(problem?.slug).toBe("unknown-status");
    expect(problem?.extensions).toEqual({ unknown_statuses: ["x"] });
  });

  it("is not fooled by other bodies", () => {
    expect(parseProblem("Bad gateway", 502)).toBeUndefined();
    expect(parseProblem({ detail: [{ loc: ["body"] }] }, 422)).toBeUndefined();
    expect(failureOf(undefined, 500)).toEqual({ kind: "http", status: 500 });
  });

  it("skips malformed invalid-params entries", () => {
    const problem = parseProblem({ title: "x", "invalid-params": [{ reason: "no name" }, "text", { name: "consent" }] }, 422);
    expect(problem?.invalidParams).toEqual([{ name: "consent", reason: "" }]);
  });
});

describe("problemTitle", () => {
  const problem = parseProblem(validation, 422)!;
  it("shows the Japanese title to Japanese readers and the English one to others", () => {
    expect(problemTitle(problem, true)).toBe("入力内容に誤りがあります");
    expect(problemTitle(problem, false)).toBe("Some fields are missing or invalid");
  });

  it("falls back to the title the problem has", () => {
    const englishOnly = parseProblem({ title: "Only English", status: 409 }, 409)!;
    expect(problemTitle(englishOnly, true)).toBe("Only English");
  });
});
