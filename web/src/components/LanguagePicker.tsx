import { LANGUAGES, STAFF_LANGUAGES, isLang, staffLangOf } from "../i18n/languages";
import { useLanguage } from "../i18n/context";
import { Icon } from "./Icon";

/**
 * Each language under its own name, so a reader finds theirs without reading the current one;
 * the label is bilingual for the same reason.
 */
export function LanguagePicker({ label, staff = false }: { label: string; staff?: boolean }) {
  const { lang, setLang } = useLanguage();
  const choices = staff ? LANGUAGES.filter((language) => (STAFF_LANGUAGES as readonly string[]).includes(language.code)) : LANGUAGES;
  const value = staff ? staffLangOf(lang) : lang;
  return (
    <div class="language-picker">
      <label for="language-select">
        <Icon name="globe" />
        <span>{label}</span>
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
