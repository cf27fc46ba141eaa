import { describe, expect, it } from "vitest";
import { dateOfBirthLabel, monthLabel, yearLabel } from "./format";
import { LANGUAGES, htmlLangOf, staffLangOf } from "./languages";
import { applyDocumentLang, initialLang, rememberLang } from "./preference";
import { PUBLIC_DICTIONARIES } from "./public";
import { ja } from "./public/ja";
import { statusItemName } from "./public/statusItems";
import { STAFF_DICTIONARIES } from "./staff";
import { interpolate } from "./translate";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

// Issue 5: Japanese first, English switchable; the public pages also zh-Hans, ko, vi and やさしい日本語.
describe("dictionaries", () => {
  it("cover every language of the picker, each under its own name", () => {
    expect(LANGUAGES.map((language) => language.code)).toEqual(["ja", "ja-easy", "en", "zh-Hans", "ko", "vi"]);
    expect(Object.keys(PUBLIC_DICTIONARIES).sort()).toEqual([...LANGUAGES.map((language) => language.code)].sort());
    expect(LANGUAGES.find((language) => language.code === "ja-easy")?.name).toBe("やさしい にほんご");
  });

  for (const [lang, dictionary] of Object.entries(PUBLIC_DICTIONARIES)) {
    it(`${lang}: every text is there, non-empty, with the same placeholders as Japanese`, () => {
      for (const [key, reference] of Object.entries(ja)) {
        const text = dictionary[key as keyof typeof ja];
        expect(text, key).toBeTruthy();
        expect(placeholders(text), key).toEqual(placeholders(reference));
      }
    });
  }

  it("translate the other languages for real (no Japanese left in English)", () => {
    const japanese = /[\u3040-\u30FF]/;
    for (const [key, text] of Object.entries(PUBLIC_DICTIONARIES.en)) {
      if (key === "lang.label") continue; // bilingual on purpose
      expect(japanese.test(text), `${key}: ${text}`).toBe(false);
    }
  });

  it("have the staff texts in Japanese and English", () => {
    expect(Object.keys(STAFF_DICTIONARIES.en).sort()).toEqual(Object.keys(STAFF_DICTIONARIES.ja).sort());
  });

  it("fill placeholders", () => {
    expect(interpolate("{field}を入力してください。", { field: "住所" })).toBe("住所を入力してください。");
    expect(interpolate("{missing}")).toBe("{missing}");
  });
});

describe("language preference", () => {
  it("remembers the choice and otherwise follows the browser, Japanese first", () => {
    localStorage.clear();
    expect(initialLang(localStorage, ["fr-FR"])).toBe("ja");
    expect(initialLang(localStorage, ["ko-KR", "ja"])).toBe("ko");
    expect(initialLang(localStorage, ["zh-CN"])).toBe("zh-Hans");
    expect(initialLang(localStorage, ["zh-TW"])).toBe("ja");
    rememberLang(localStorage, "vi");
    expect(initialLang(localStorage, ["en-US"])).toBe("vi");
  });

  it("updates <html lang> (easy Japanese is still Japanese to a screen reader)", () => {
    applyDocumentLang(document, "ja-easy");
    expect(document.documentElement.lang).toBe("ja");
    applyDocumentLang(document, "zh-Hans");
    expect(document.documentElement.lang).toBe("zh-Hans");
    expect(htmlLangOf("en")).toBe("en");
  });

  it("shows staff screens in Japanese or English", () => {
    expect(staffLangOf("ja-easy")).toBe("ja");
    expect(staffLangOf("vi")).toBe("en");
  });
});

describe("date labels", () => {
  it("show the era next to the year (S16.2)", () => {
    expect(yearLabel(1950, "ja")).toBe("1950年（昭和25年）");
    expect(yearLabel(1989, "ja")).toBe("1989年（昭和64年・平成元年）");
    expect(yearLabel(1950, "en")).toBe("1950 (Showa 25)");
    expect(monthLabel(4, "en")).toBe("April");
    expect(dateOfBirthLabel("1950-04-01", "ja")).toBe("1950年4月1日（昭和25年）");
    expect(dateOfBirthLabel("1950-04-01", "en")).toBe("1 April 1950 (Showa 25)");
  });

  it("translate the default status items and leave unknown ones as they are", () => {
    expect(statusItemName("要介護", "en")).toBe("Needs nursing care");
    expect(statusItemName("独自の項目", "en")).toBe("独自の項目");
    expect(statusItemName("要介護", "ja")).toBe("要介護");
  });
});
