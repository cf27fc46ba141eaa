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

const CHARACTER_CLASS_JA: Readonly<Record<string, string>> = {
  lowercase: "英小文字",
  uppercase: "英大文字",
  digit: "数字",
  symbol: "記号",
};

/**
 * One password-policy violation in both languages (S10.5, S10.7). The auth service sends stable
 * English codes ("shorter than 12 characters", "needs a digit character", "used among the last
 * 5 passwords", the user-id rule); each is told in Japanese too. An unknown one stays English
 * on both sides (the `en` side is shown with lang="en").
 */
export function violationText(violation: string): Bilingual {
  const shorter = /^shorter than (\d+) characters$/.exec(violation);
  if (shorter !== null) return { ja: `${shorter[1]}文字以上にしてください`, en: violation };
  const longer = /^longer than (\d+) characters$/.exec(violation);
  if (longer !== null) return { ja: `${longer[1]}文字以下にしてください`, en: violation };
  const needs = /^needs an? (\w+) character$/.exec(violation);
  const kind = needs === null ? undefined : CHARACTER_CLASS_JA[needs[1] ?? ""];
  if (kind !== undefined) return { ja: `${kind}を1文字以上含めてください`, en: violation };
  const used = /^used among the last (\d+) passwords$/.exec(violation);
  if (used !== null) return { ja: `直近${used[1]}回に使ったパスワードは使えません`, en: violation };
  if (violation.startsWith("user id:")) return { ja: "ユーザーIDは3〜64文字の英数字と . _ @ - で入力してください", en: violation };
  return { ja: violation, en: violation };
}

/**
 * The service's reason for one invalid field (pydantic's English message, e.g. "String should
 * have at most 100 characters") in both languages; undefined when it is not one of the known
 * forms (then the English reason is shown as it is, marked lang="en").
 */
export function reasonText(reason: string): Bilingual | undefined {
  if (reason === "Field required") return { ja: "入力してください", en: "Required" };
  const atLeast = /^(?:String|List) should have at least (\d+) (?:characters?|items?)/.exec(reason);
  if (atLeast !== null) return { ja: `${atLeast[1]}文字以上で入力してください`, en: reason };
  const atMost = /^String should have at most (\d+) characters?/.exec(reason);
  if (atMost !== null) return { ja: `${atMost[1]}文字以内で入力してください`, en: reason };
  if (reason.startsWith("String should match pattern")) return { ja: "書き方が正しくありません", en: "Not in the expected form" };
  if (/^Input should be a valid date/.test(reason)) return { ja: "正しい日付を入力してください", en: reason };
  const min = /^Input should be greater than or equal to (-?[\d.]+)/.exec(reason);
  if (min !== null) return { ja: `${min[1]}以上の値を入力してください`, en: reason };
  const max = /^Input should be less than or equal to (-?[\d.]+)/.exec(reason);
  if (max !== null) return { ja: `${max[1]}以下の値を入力してください`, en: reason };
  return undefined;
}

/** The reasons of a failure's invalid fields by the field's last name (`personal.address` -> `address`). */
export function fieldReasons(message: StaffMessage | null | undefined): ReadonlyMap<string, string> {
  const reasons = new Map<string, string>();
  for (const field of message?.fields ?? []) {
    const name = field.name.split(".").pop() ?? field.name;
    if (!reasons.has(name)) reasons.set(name, field.reason);
  }
  return reasons;
}
