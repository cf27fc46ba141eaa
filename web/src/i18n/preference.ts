import { DEFAULT_LANG, htmlLangOf, isLang, type Lang } from "./languages";

const STORAGE_KEY = "shelter-checkin.lang";

/** The remembered language, else the browser's if we have it, else Japanese. */
export function initialLang(storage: Storage | undefined, browserLanguages: readonly string[]): Lang {
  const stored = safeGet(storage, STORAGE_KEY);
  if (isLang(stored)) return stored;
  for (const tag of browserLanguages) {
    const lower = tag.toLowerCase();
    if (lower.startsWith("ja")) return "ja";
    if (lower.startsWith("en")) return "en";
    if (lower === "zh" || lower.startsWith("zh-hans") || lower.startsWith("zh-cn") || lower.startsWith("zh-sg")) {
      return "zh-Hans";
    }
    if (lower.startsWith("ko")) return "ko";
    if (lower.startsWith("vi")) return "vi";
  }
  return DEFAULT_LANG;
}

export function rememberLang(storage: Storage | undefined, lang: Lang): void {
  try {
    storage?.setItem(STORAGE_KEY, lang);
  } catch {
    // Private browsing or a full storage: the choice lasts for this page only.
  }
}

/** Keeps <html lang> right so screen readers pronounce the page in its language. */
export function applyDocumentLang(doc: Document, lang: Lang): void {
  doc.documentElement.lang = htmlLangOf(lang);
  doc.documentElement.dataset["lang"] = lang;
}

function safeGet(storage: Storage | undefined, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}
