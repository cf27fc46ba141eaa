/**
 * RFC 9457 problem details as the services send them (STYLE habit 7): an English `title`, a
 * Japanese `title_ja` and, for bad input, `invalid-params` naming fields like `personal.family_name`.
 */
export interface InvalidParam {
  readonly name: string;
  readonly reason: string;
}

export interface Problem {
  readonly type: string;
  /** The last segment of `type` (`.../problems/shelter-closed` -> `shelter-closed`), stable across hosts. */
  readonly slug: string;
  readonly status: number;
  readonly title: string;
  readonly titleJa: string | undefined;
  readonly detail: string | undefined;
  readonly invalidParams: readonly InvalidParam[];
  /** Members beyond RFC 9457's own, e.g. `unknown_statuses` on unknown-status. */
  readonly extensions: Readonly<Record<string, unknown>>;
}

const STANDARD_MEMBERS = new Set(["type", "status", "title", "title_ja", "detail", "instance", "invalid-params"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** Reads a problem from whatever a failed response carried; undefined when it is not one. */
export function parseProblem(body: unknown, status: number): Problem | undefined {
  if (!isRecord(body)) return undefined;
  const title = optionalString(body["title"]);
  const titleJa = optionalString(body["title_ja"]);
  if (title === undefined && titleJa === undefined) return undefined;
  const rawParams = body["invalid-params"];
  const invalidParams: InvalidParam[] = Array.isArray(rawParams)
    ? rawParams.flatMap((param: unknown) =>
        isRecord(param) && typeof param["name"] === "string"
          ? [{ name: param["name"], reason: typeof param["reason"] === "string" ? param["reason"] : "" }]
          : [],
      )
    : [];
  const type = optionalString(body["type"]) ?? "about:blank";
  return {
    type,
    slug: type.replace(/\/+$/, "").split("/").pop() ?? type,
    status: typeof body["status"] === "number" ? body["status"] : status,
    title: title ?? titleJa ?? "",
    titleJa,
    detail: optionalString(body["detail"]),
    invalidParams,
    extensions: Object.fromEntries(Object.entries(body).filter(([key]) => !STANDARD_MEMBERS.has(key))),
  };
}

/** The title for the reader: Japanese readers get `title_ja`, everyone else the English `title`. */
export function problemTitle(problem: Problem, readsJapanese: boolean): string {
  return readsJapanese ? (problem.titleJa ?? problem.title) : problem.title || (problem.titleJa ?? "");
}

/** How a call to the API ended when it did not succeed. */
export type Failure =
  | { readonly kind: "problem"; readonly problem: Problem }
  | { readonly kind: "http"; readonly status: number }
  | { readonly kind: "network" };

export function failureOf(body: unknown, status: number): Failure {
  const problem = parseProblem(body, status);
  return problem === undefined ? { kind: "http", status } : { kind: "problem", problem };
}
