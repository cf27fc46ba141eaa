/**
 * What to tell a person when the API refused (RFC 9457 problem details). Japanese readers get
 * the service's own `title_ja` and English readers its `title`; for the other public languages
 * (and easy Japanese) the problems a person can meet are translated here, by the problem type.
 * A few problems get the app's own text in every language, because the person needs more than
 * the service's title: what to do next (already-checked-in: ask the desk, since the public API
 * no longer says which stay it is).
 */
import type { Problem } from "../api/problem";
import { problemTitle } from "../api/problem";
import type { PublicKey } from "../i18n/public";
import { readsJapanese, type Lang } from "../i18n/languages";

const TRANSLATED = {
  "unknown-shelter": "problem.unknown-shelter",
  "shelter-closed": "problem.shelter-closed",
  "already-checked-in": "problem.already-checked-in",
  "already-checked-out": "problem.already-checked-out",
  "unknown-stay": "problem.unknown-stay",
  "validation-error": "problem.validation-error",
  "too-many-requests": "problem.too-many-requests",
  unavailable: "problem.unavailable",
} as const satisfies Record<string, PublicKey>;

/** Problems whose own text wins over the service's title, also for Japanese and English readers. */
const OWN_TEXT_FIRST: ReadonlySet<string> = new Set(["already-checked-in"]);

function isTranslated(slug: string): slug is keyof typeof TRANSLATED {
  return Object.hasOwn(TRANSLATED, slug);
}

export function problemText(problem: Problem, lang: Lang, t: (key: PublicKey) => string): string {
  if (isTranslated(problem.slug) && OWN_TEXT_FIRST.has(problem.slug)) return t(TRANSLATED[problem.slug]);
  if (lang === "ja" || lang === "en") return problemTitle(problem, readsJapanese(lang));
  if (isTranslated(problem.slug)) return t(TRANSLATED[problem.slug]);
  return problemTitle(problem, readsJapanese(lang));
}
