/**
 * What to tell a staff member when a call failed, in Japanese and English (S10, issue 5): the
 * service's RFC 9457 problem details carry both (`title_ja`, `title`); the field list comes from
 * `invalid-params`, the password policy's violations from the `violations` extension. Calls that
 * ended without a problem (network down, a bare status) get the app's own words.
 */
import type { Failure, Problem } from "../api/problem";
import type { StaffLang } from "../i18n/languages";

export interface Bilingual {
  readonly ja: string;
  readonly en: string;
}

export interface StaffMessage {
  /** The headline: the problem's title in both languages. */
  readonly title: Bilingual;
  /** Optional second line (the problem's `detail`, English only as the services write it). */
  readonly detail: string | undefined;
  /** Fields in error (`personal.family_name`) with the service's reason. */
  readonly fields: readonly { readonly name: string; readonly reason: string }[];
  /** Password policy violations, when the problem is `password-policy`. */
  readonly violations: readonly string[];
  /** The problem type's last segment, e.g. `account-locked-out`; "network" or "http" otherwise. */
  readonly slug: string;
  readonly status: number | undefined;
  /** The problem's own members beyond RFC 9457's (e.g. `locked_until` of account-locked-out). */
  readonly extensions: Readonly<Record<string, unknown>>;
}

const NETWORK: Bilingual = {
  ja: "サーバーに接続できません。通信状態を確かめて、もう一度お試しください。",
  en: "The server cannot be reached. Check the connection and try again.",
};

const BY_STATUS: Readonly<Record<number, Bilingual>> = {
  401: { ja: "ログインが必要です。もう一度ログインしてください。", en: "Please sign in again." },
  403: { ja: "この操作を行う権限がありません。", en: "You are not allowed to do this." },
  404: { ja: "見つかりません。", en: "Not found." },
  409: { ja: "他の操作と重なりました。再読み込みしてやり直してください。", en: "Someone else changed this; reload and try again." },
  413: { ja: "ファイルが大きすぎます。", en: "The file is too large." },
  429: { ja: "操作が多すぎます。しばらく待ってからお試しください。", en: "Too many attempts. Wait a moment and try again." },
  503: { ja: "一時的に利用できません。しばらく待ってからお試しください。", en: "Temporarily unavailable. Try again shortly." },
};

const FALLBACK: Bilingual = { ja: "処理できませんでした。もう一度お試しください。", en: "That did not work. Please try again." };

function fromProblem(problem: Problem): StaffMessage {
  const byStatus = BY_STATUS[problem.status] ?? FALLBACK;
  const violations = problem.extensions["violations"];
  return {
    title: { ja: problem.titleJa ?? byStatus.ja, en: problem.title || byStatus.en },
    detail: problem.detail,
    fields: problem.invalidParams,
    violations: Array.isArray(violations) ? violations.filter((v): v is string => typeof v === "string") : [],
    slug: problem.slug,
    status: problem.status,
    extensions: problem.extensions,
  };
}

export function staffMessage(failure: Failure): StaffMessage {
  switch (failure.kind) {
    case "problem":
      return fromProblem(failure.problem);
    case "http":
      return {
        title: BY_STATUS[failure.status] ?? FALLBACK,
        detail: undefined,
        fields: [],
        violations: [],
        slug: "http",
        status: failure.status,
        extensions: {},
      };
    case "network":
      return { title: NETWORK, detail: undefined, fields: [], violations: [], slug: "network", status: undefined, extensions: {} };
  }
}

/** The message's title in the reader's language. */
export function inLang(text: Bilingual, lang: StaffLang): string {
  return lang === "ja" ? text.ja : text.en;
}
