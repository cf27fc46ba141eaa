/**
 * The languages of the web apps. Japanese first (S16), English for visitors and staff, and for
 * the public pages simplified Chinese, Korean, Vietnamese and easy Japanese (やさしい日本語).
 */
export const LANGUAGES = [
  { code: "ja", htmlLang: "ja", name: "日本語" },
  { code: "ja-easy", htmlLang: "ja", name: "やさしい にほんご" },
  { code: "en", htmlLang: "en", name: "English" },
  { code: "zh-Hans", htmlLang: "zh-Hans", name: "简体中文" },
  { code: "ko", htmlLang: "ko", name: "한국어" },
  { code: "vi", htmlLang: "vi", name: "Tiếng Việt" },
] as const;

export type Lang = (typeof LANGUAGES)[number]["code"];

/** The staff screens are in Japanese and English only. */
export const STAFF_LANGUAGES = ["ja", "en"] as const;
export type StaffLang = (typeof STAFF_LANGUAGES)[number];

export const DEFAULT_LANG: Lang = "ja";

export function isLang(value: unknown): value is Lang {
  return LANGUAGES.some((language) => language.code === value);
}

export function htmlLangOf(lang: Lang): string {
  return LANGUAGES.find((language) => language.code === lang)?.htmlLang ?? "ja";
}

/** Staff screens: easy Japanese readers get Japanese, other public languages get English. */
export function staffLangOf(lang: Lang): StaffLang {
  return lang === "ja" || lang === "ja-easy" ? "ja" : "en";
}

/** Whether a person reading `lang` reads the problem details' Japanese title (title_ja). */
export function readsJapanese(lang: Lang): boolean {
  return lang === "ja" || lang === "ja-easy";
}
