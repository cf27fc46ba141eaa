import { createContext, type ComponentChildren } from "preact";
import { useCallback, useContext, useLayoutEffect, useMemo, useState } from "preact/hooks";
import { staffLangOf, type Lang, type StaffLang } from "./languages";
import { applyDocumentLang, initialLang, rememberLang } from "./preference";
import { PUBLIC_DICTIONARIES, type PublicKey } from "./public";
import { STAFF_DICTIONARIES, type StaffKey } from "./staff";
import { interpolate } from "./translate";

type Params = Readonly<Record<string, string | number>>;

interface LanguageState {
  lang: Lang;
  setLang: (lang: Lang) => void;
}

const LanguageContext = createContext<LanguageState | null>(null);

function browserStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

export function LanguageProvider({ children, lang: fixed }: { children: ComponentChildren; lang?: Lang }) {
  const [lang, setLangState] = useState<Lang>(() => fixed ?? initialLang(browserStorage(), navigator.languages));
  const setLang = useCallback((next: Lang) => {
    rememberLang(browserStorage(), next);
    setLangState(next);
  }, []);
  const value = useMemo(() => ({ lang, setLang }), [lang, setLang]);
  return <LanguageContext.Provider value={value}>{children}</LanguageContext.Provider>;
}

export function useLanguage(): LanguageState {
  const state = useContext(LanguageContext);
  if (state === null) throw new Error("useLanguage outside <LanguageProvider>");
  return state;
}

/**
 * Keeps <html lang> on the language the page is really in, so screen readers pronounce it
 * right: the public pages use the chosen language, the staff screens Japanese or English.
 */
export function useDocumentLang(lang: Lang): void {
  // A layout effect: the new words and the new lang reach the screen (and screen readers) together.
  useLayoutEffect(() => applyDocumentLang(document, lang), [lang]);
}

/** The public pages' words in the chosen language (S16). */
export function usePublicText(): { lang: Lang; t: (key: PublicKey, params?: Params) => string } {
  const { lang } = useLanguage();
  return useMemo(() => {
    const dictionary = PUBLIC_DICTIONARIES[lang];
    return { lang, t: (key: PublicKey, params?: Params) => interpolate(dictionary[key], params) };
  }, [lang]);
}

/** The staff screens' words: Japanese or English (S10). */
export function useStaffText(): { lang: StaffLang; t: (key: StaffKey, params?: Params) => string } {
  const { lang } = useLanguage();
  return useMemo(() => {
    const staffLang = staffLangOf(lang);
    const dictionary = STAFF_DICTIONARIES[staffLang];
    return { lang: staffLang, t: (key: StaffKey, params?: Params) => interpolate(dictionary[key], params) };
  }, [lang]);
}
