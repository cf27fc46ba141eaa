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
// The public check-in's refusal names no stay (privacy): the person is sent to the desk.
const alreadyIn = parseProblem(
  {
    type: "https://shelter-checkin.example/problems/already-checked-in",
    title: "This person is already checked in at this shelter",
    title_ja: "この方はすでにこの避難所に入所しています",
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

  it("sends a person already checked in to the reception desk, in every language", () => {
    const expected: Record<Lang, string> = {
      ja: "すでに受付されています。受付の係員にお声がけください。",
      "ja-easy": "もう うけつけ されて います。うけつけ の かかり の ひと に こえ を かけて ください。",
      en: "This person is already checked in at this shelter. Please speak to the staff at the reception desk.",
      "zh-Hans": "此人已在本避难所登记。请向接待处的工作人员咨询。",
      ko: "이미 이 대피소에 접수되어 있습니다. 접수처 직원에게 말씀해 주세요.",
      vi: "Người này đã được đăng ký tại nơi sơ tán này. Vui lòng nói chuyện với nhân viên tại quầy tiếp nhận.",
    };
    for (const [lang, message] of Object.entries(expected) as [Lang, string][]) {
      expect(problemText(alreadyIn, lang, text(lang))).toBe(message);
    }
  });
});
