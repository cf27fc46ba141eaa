import { LANGUAGES, STAFF_LANGUAGES, isLang, staffLangOf } from "../i18n/languages";
import { useLanguage } from "../i18n/context";
import { Icon } from "./Icon";

/**
 * Each language under its own name, so a reader finds theirs without reading the current one;
 * the label is bilingual for the same reason.
 */
export function LanguagePicker({ label, labelLang, staff = false }: { label: string; labelLang?: string; staff?: boolean }) {
  const [own, other] = labelParts(label);
  const { lang, setLang } = useLanguage();
  const choices = staff ? LANGUAGES.filter((language) => (STAFF_LANGUAGES as readonly string[]).includes(language.code)) : LANGUAGES;
  const value = staff ? staffLangOf(lang) : lang;
  return (
    <div class="language-picker">
      <label for="language-select">
        <Icon name="globe" />
        <span lang={labelLang}>{own}</span>
        {other !== undefined && (
          <>
            {" / "}
            <span lang={other.lang}>{other.text}</span>
          </>
        )}
      </label>
      <select
        id="language-select"
        value={value}
        onChange={(event) => {
          const next = event.currentTarget.value;
          if (isLang(next)) setLang(next);
        }}
      >
        {choices.map((language) => (
          <option key={language.code} value={language.code} lang={language.htmlLang}>
            {language.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * "言語 / Language": the page's word, then the other one in its own language (a screen reader
 * reads each in its language). Every dictionary's second word is "Language", except English's
 * ("言語").
 */
export function labelParts(label: string): readonly [string, { readonly text: string; readonly lang: string } | undefined] {
  const at = label.indexOf(" / ");
  if (at < 0) return [label, undefined];
  const other = label.slice(at + 3);
  return [label.slice(0, at), { text: other, lang: /^[\x20-\x7e]+$/.test(other) ? "en" : "ja" }];
}
