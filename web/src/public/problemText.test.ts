import { describe, expect, it } from "vitest";
import { parseProblem } from "../api/problem";
import { PUBLIC_DICTIONARIES } from "../i18n/public";
import { problemText } from "./problemText";
import type { Lang } from "../i18n/languages";

const closed = parseProblem(
  {
    type: "https://shelter-checkin.example/problems/shelter-closed",
    title: "This shelter is not open and does not accept check-ins",
    title_ja: "この避難所は開設されていないため受付できません",
    status: 409,
  },
  409,
)!;
const odd = parseProblem({ type: "https://shelter-checkin.example/problems/something-new", title: "Something new", title_ja: "新しい問題" }, 400)!;

const text = (lang: Lang) => (key: keyof (typeof PUBLIC_DICTIONARIES)["ja"]) => PUBLIC_DICTIONARIES[lang][key];

// S16: the problem's Japanese title (English when English is chosen); the other languages by type.
describe("problemText", () => {
  it("uses the service's own titles in Japanese and English", () => {
    expect(problemText(closed, "ja", text("ja"))).toBe("この避難所は開設されていないため受付できません");
    expect(problemText(closed, "en", text("en"))).toBe("This shelter is not open and does not accept check-ins");
  });

  it("translates the problems a person can meet for the other languages", () => {
    expect(problemText(closed, "zh-Hans", text("zh-Hans"))).toBe("该避难所未开放，无法登记。");
    expect(problemText(closed, "ja-easy", text("ja-easy"))).toContain("あいて いません");
  });

  it("falls back to the service's titles for a problem it does not know", () => {
    expect(problemText(odd, "ja-easy", text("ja-easy"))).toBe("新しい問題");
    expect(problemText(odd, "ko", text("ko"))).toBe("Something new");
  });
});
