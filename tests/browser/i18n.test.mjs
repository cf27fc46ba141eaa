// Japanese first, English and やさしい日本語 (and zh-Hans, ko, vi) on the public pages (issue 5).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BASE_URL, createOpenShelter, launch, screenshot, pageErrors } from "./support.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function label(page, id) {
  return (await page.locator(`label[for="${id}"]`).innerText()).trim();
}

describe("language switch", () => {
  it("changes the labels and <html lang>, and is remembered", async () => {
    const shelterId = await createOpenShelter();
    const page = await browser.newPage();
    await page.goto(`${BASE_URL}/checkin/${shelterId}`);
    await page.getByTestId("shelter-name").waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "ja");
    assert.equal(await page.title(), "避難所の受付 | 避難所チェックイン");
    assert.match(await label(page, "familyName"), /^姓（みょうじ）/);

    const picker = page.getByLabel(/言語 \/ Language/);
    const names = await picker.locator("option").allTextContents();
    assert.deepEqual(names, ["日本語", "やさしい にほんご", "English", "简体中文", "한국어", "Tiếng Việt"]);

    await picker.selectOption("en");
    await page.getByRole("heading", { level: 1, name: "Check in to the shelter" }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
    assert.equal(await page.title(), "Check in | Shelter check-in");
    assert.match(await label(page, "familyName"), /^Family name/);
    assert.match(await label(page, "address"), /^Home address/);
    assert.ok(await page.getByRole("checkbox", { name: "Needs nursing care" }).isVisible(), "status items are translated");
    assert.match(await page.getByLabel("Year", { exact: true }).locator("option[value='1950']").innerText(), /1950 \(Showa 25\)/);
    await screenshot(page, "checkin-form-en-320");

    await page.getByLabel(/Language \/ 言語/).selectOption("ja-easy");
    await page.getByRole("heading", { level: 1, name: "ひなんじょ に はいる うけつけ" }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "ja");
    assert.match(await label(page, "familyName"), /^みょうじ（姓）/);
    assert.match(await label(page, "address"), /すんで いる ところ/);
    await page.getByRole("button", { name: "たしかめる" }).click();
    assert.match(await page.getByRole("alert").innerText(), /みょうじ（姓）を かいて ください。/);

    await page.reload();
    await page.getByRole("heading", { level: 1, name: "ひなんじょ に はいる うけつけ" }).waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem("shelter-checkin.lang")), "ja-easy");

    for (const [code, heading, htmlLang] of [
      ["zh-Hans", "避难所入所登记", "zh-Hans"],
      ["ko", "대피소 입소 접수", "ko"],
      ["vi", "Đăng ký vào nơi sơ tán", "vi"],
    ]) {
      await page.locator("#language-select").selectOption(code);
      await page.getByRole("heading", { level: 1, name: heading }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), htmlLang);
    }
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it("the staff shell offers Japanese and English", async () => {
    const page = await browser.newPage();
    await page.goto(`${BASE_URL}/staff`);
    await page.getByRole("heading", { level: 1, name: "職員ログイン" }).waitFor();
    assert.equal(await page.title(), "職員ログイン | 避難所管理");
    const picker = page.locator("#language-select");
    assert.deepEqual(await picker.locator("option").allTextContents(), ["日本語", "English"]);
    await picker.selectOption("en");
    await page.getByRole("heading", { level: 1, name: "Staff sign-in" }).waitFor();
    await page.getByLabel(/^User ID/).waitFor();
    await screenshot(page, "staff-signin-en-320");
    assert.equal(await page.evaluate(() => document.documentElement.lang), "en");

    // A Korean reader of the public pages gets the staff screens in English, and <html lang> says so.
    await picker.selectOption("ja");
    await page.evaluate(() => localStorage.setItem("shelter-checkin.lang", "ko"));
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Staff sign-in" }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it("the public search and the open shelters speak every public language", async () => {
    const page = await browser.newPage();
    await page.goto(`${BASE_URL}/search`);
    for (const [code, search, shelters, htmlLang] of [
      ["ja", "避難している人をさがす", "開設中の避難所と混み具合", "ja"],
      ["ja-easy", "ひなん して いる ひと を さがす", "あいて いる ひなんじょ と こみぐあい", "ja"],
      ["en", "Find a person in a shelter", "Open shelters and how crowded they are", "en"],
      ["zh-Hans", "查找在避难所的人", "开放中的避难所及拥挤程度", "zh-Hans"],
      ["ko", "대피소에 있는 사람 찾기", "개설된 대피소와 혼잡도", "ko"],
      ["vi", "Tìm người ở nơi sơ tán", "Nơi sơ tán đang mở và mức độ đông", "vi"],
    ]) {
      await page.locator("#language-select").selectOption(code);
      await page.getByRole("heading", { level: 1, name: search }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), htmlLang);
      await page.locator("main a[href='/shelters']").click();
      await page.getByRole("heading", { level: 1, name: shelters }).waitFor();
      await page.locator("main a[href='/search']").click();
      await page.getByRole("heading", { level: 1, name: search }).waitFor();
    }
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });
});
