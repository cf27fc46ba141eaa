import { cleanup, render, screen } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import { LanguagePicker, labelParts } from "../components/LanguagePicker";
import { TransferProgress } from "../components/TransferProgress";
import { announcementStep } from "../components/transferSteps";
import { AgeBandChart } from "../components/visual";
import { LanguageProvider } from "../i18n/context";
import type { Lang } from "../i18n/languages";
import { reasonText, staffMessage, violationText } from "./messages";
import { ProblemNotice } from "./ProblemNotice";

afterEach(() => cleanup());

function policyFailure(violations: string[]) {
  return staffMessage({
    kind: "problem",
    problem: {
      type: "https://shelter-checkin.example/problems/password-policy",
      slug: "password-policy",
      status: 422,
      title: "The password does not meet the password policy",
      titleJa: "パスワードがパスワードポリシーを満たしていません",
      detail: undefined,
      invalidParams: [],
      extensions: { violations },
    },
  });
}

// Review item 23: password-policy violations were shown in English only on Japanese pages.
describe("password-policy violations (S10.5)", () => {
  it("are told in Japanese on a Japanese page, with the English after them marked lang=en", () => {
    render(
      <LanguageProvider lang="ja">
        <ProblemNotice message={policyFailure(["shorter than 12 characters", "needs a digit character", "used among the last 5 passwords"])} />
      </LanguageProvider>,
    );
    const items = [...screen.getByRole("alert").querySelectorAll("li")];
    expect(items.map((item) => item.querySelector("[lang=ja]")?.textContent)).toEqual([
      "12文字以上にしてください",
      "数字を1文字以上含めてください",
      "直近5回に使ったパスワードは使えません",
    ]);
    expect(items[0]?.querySelector("[lang=en]")?.textContent).toBe("(shorter than 12 characters)");
  });

  it("are in English first on an English page", () => {
    render(
      <LanguageProvider lang="en">
        <ProblemNotice message={policyFailure(["needs a uppercase character"])} />
      </LanguageProvider>,
    );
    const item = screen.getByRole("alert").querySelector("li");
    expect(item?.firstElementChild?.getAttribute("lang")).toBe("en");
    expect(item?.querySelector("[lang=ja]")?.textContent).toBe("(英大文字を1文字以上含めてください)");
  });

  it("maps every code the auth service sends; an unknown one stays as it is", () => {
    expect(violationText("longer than 256 characters").ja).toBe("256文字以下にしてください");
    expect(violationText("needs a symbol character").ja).toBe("記号を1文字以上含めてください");
    expect(violationText("user id: 3-64 letters, digits or . _ @ -").ja).toContain("ユーザーID");
    expect(violationText("something new")).toEqual({ ja: "something new", en: "something new" });
  });
});

// Review item 25: field errors showed only the generic "check these entries".
describe("field reasons", () => {
  it("shows the service's reason per field, in the reader's language when it is a known one", () => {
    expect(reasonText("String should have at most 100 characters")?.ja).toBe("100文字以内で入力してください");
    expect(reasonText("Field required")?.ja).toBe("入力してください");
    const message = staffMessage({
      kind: "problem",
      problem: {
        type: "x",
        slug: "x",
        status: 422,
        title: "Bad",
        titleJa: "入力に誤りがあります",
        detail: undefined,
        invalidParams: [
          { name: "personal.address", reason: "String should have at most 200 characters" },
          { name: "personal.phone", reason: "Value error, odd" },
        ],
        extensions: {},
      },
    });
    render(
      <LanguageProvider lang="ja">
        <ProblemNotice message={message} />
      </LanguageProvider>,
    );
    const text = screen.getByRole("alert").textContent ?? "";
    expect(text).toContain("200文字以内で入力してください");
    expect(screen.getByText("(Value error, odd)").getAttribute("lang")).toBe("en");
  });
});

// Review item 25: "、" joined lists in all six languages.
describe("list separators", () => {
  const ages = { "70": 2, "80": 1 };
  for (const [lang, separator] of [
    ["ja", "、"],
    ["en", ", "],
    ["ko", ", "],
    ["vi", ", "],
  ] as [Lang, string][]) {
    it(`joins the age bands with "${separator}" in ${lang}`, () => {
      render(<AgeBandChart ageBands={ages} lang={lang} idPrefix="t" />);
      const label = document.querySelector("svg[role=img]")?.getAttribute("aria-label") ?? "";
      expect(label).toContain(separator);
      if (lang !== "ja") expect(label).not.toContain("、");
    });
  }
});

// Review item 23: "言語 / Language" was one string, read in one language.
describe("language picker label", () => {
  it("marks the second word with its own language", () => {
    expect(labelParts("言語 / Language")).toEqual(["言語", { text: "Language", lang: "en" }]);
    expect(labelParts("Language / 言語")).toEqual(["Language", { text: "言語", lang: "ja" }]);
    expect(labelParts("Language")).toEqual(["Language", undefined]);
  });

  it("reads 言語 as Japanese and Language as English on the staff pages, in either language", () => {
    render(
      <LanguageProvider lang="en">
        <LanguagePicker label="言語 / Language" labelLang="ja" staff />
      </LanguageProvider>,
    );
    const label = document.querySelector("label[for=language-select]");
    expect(label?.querySelector("[lang=ja]")?.textContent).toBe("言語");
    expect(label?.querySelector("[lang=en]")?.textContent).toBe("Language");
    expect(screen.getByLabelText("言語 / Language")).toBeTruthy();
  });
});

// Review item 22: progress lines in role=status changed per chunk and flooded screen readers.
describe("TransferProgress", () => {
  it("announces the start, about every quarter and the end; the visible line follows every chunk", () => {
    const announced = new Set<string>();
    const total = 1_000_000;
    const view = (done: number) => (
      <TransferProgress
        id="p"
        testId="p"
        label="進み具合"
        line={`${done} B`}
        done={done}
        total={total}
        announce={(step, percent) => (step === 0 ? "開始" : `${percent}%`)}
      />
    );
    const { rerender } = render(view(0));
    for (let done = 0; done <= total; done += 16_384) {
      rerender(view(done));
      announced.add(screen.getByTestId("p-announcement").textContent ?? "");
      expect(screen.getByTestId("p").querySelector("p:not([role])")?.textContent).toBe(`${done} B`);
    }
    rerender(view(total));
    announced.add(screen.getByTestId("p-announcement").textContent ?? "");
    expect([...announced]).toEqual(["開始", "25%", "50%", "75%", "100%"]);
    // Only the announcement is a live region; the bar and the line are not inside one.
    expect(screen.getByTestId("p").querySelectorAll("[role=status], [aria-live]")).toHaveLength(1);
    expect(screen.getByTestId("p").querySelector("[role=status] progress")).toBeNull();
  });

  it("stays at the start while the size is unknown", () => {
    expect([0, 10, 1e9].map((done) => announcementStep(done, undefined))).toEqual([0, 0, 0]);
    expect([0, 24, 25, 74, 99, 100].map((done) => announcementStep(done, 100))).toEqual([0, 0, 1, 2, 3, 4]);
  });
});
