// axe-core on every page of the web app, at phone width, in Japanese and in the other
// languages: no serious or critical violation (issue 5 "Must show").
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BASE_URL, createOpenShelter, fillCheckInForm, launch, screenshot, seriousViolations, uniqueShelterId, pageErrors, DESKTOP } from "./support.mjs";

let browser;
let shelterId;
before(async () => {
  browser = await launch();
  shelterId = await createOpenShelter("アクセシビリティ確認小学校");
});
after(async () => {
  await browser?.close();
});

async function assertAccessible(page, what) {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${what}: ${JSON.stringify(violations, null, 2)}`);
}

async function open(page, path, lang = "ja") {
  await page.goto(`${BASE_URL}${path}`);
  await page.evaluate((code) => localStorage.setItem("shelter-checkin.lang", code), lang);
  await page.reload();
  await page.getByRole("heading", { level: 1 }).waitFor();
}

describe("accessibility (axe-core: no serious or critical violations)", () => {
  for (const lang of ["ja", "en", "ja-easy", "zh-Hans", "ko", "vi"]) {
    it(`the check-in form, its errors, the confirm and the done page (${lang})`, async () => {
      const page = await browser.newPage();
      await open(page, `/checkin/${shelterId}`, lang);
      await page.getByTestId("shelter-name").waitFor();
      await page.locator("#status-0").waitFor();
      await assertAccessible(page, `${lang} check-in form`);

      await page.locator("button[type=submit]").click();
      await page.getByRole("alert").waitFor();
      await assertAccessible(page, `${lang} check-in form with errors`);
      if (lang !== "ja") {
        assert.deepEqual(pageErrors(page), []);
        await page.close();
        return;
      }
      await page.goto(`${BASE_URL}/checkin/${shelterId}`);
      await page.getByTestId("shelter-name").waitFor();
      await fillCheckInForm(page, { familyName: "佐藤", givenName: `一郎${Date.now()}` });
      await page.getByRole("checkbox", { name: "はい、あります" }).check();
      await page.getByRole("button", { name: "確認へ進む" }).click();
      await page.getByRole("heading", { level: 1, name: "入力内容の確認" }).waitFor();
      await assertAccessible(page, "confirm page");
      await page.getByRole("button", { name: "この内容で登録する" }).click();
      await page.getByRole("heading", { level: 1, name: "受付が完了しました" }).waitFor();
      await assertAccessible(page, "done page");
      await page.getByRole("button", { name: "退所する" }).click();
      await page.getByRole("button", { name: "はい、退所します" }).waitFor();
      await assertAccessible(page, "check-out question");
      assert.deepEqual(pageErrors(page), []);
      await page.close();
    });
  }

  it("made for elderly people on small phones: 48 px targets, 18 px text, no sideways scrolling even at 200 % text", async () => {
    const page = await browser.newPage();
    await open(page, `/checkin/${shelterId}`);
    await page.locator("#status-0").waitFor();
    await page.locator("button[type=submit]").click(); // the error summary's links count too
    await page.getByRole("alert").waitFor();
    await page.getByRole("checkbox", { name: "はい、あります" }).check();
    const report = await page.evaluate(() => {
      const small = [];
      const controls = document.querySelectorAll("a, button, input, select, textarea, summary");
      for (const control of controls) {
        // A radio or checkbox is pressed through its whole tile (its label).
        const target = control.matches("input[type=radio], input[type=checkbox]") ? control.closest("label") : control;
        if (target === null || control.closest(".skip-link") || control.classList.contains("skip-link")) continue;
        const box = target.getBoundingClientRect();
        if (box.height < 48 || box.width < 48) {
          small.push(`${control.tagName.toLowerCase()}#${control.id} "${(target.textContent ?? "").trim().slice(0, 20)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
        }
      }
      const fontSize = parseFloat(getComputedStyle(document.body).fontSize);
      const inputFont = parseFloat(getComputedStyle(document.getElementById("familyName")).fontSize);
      return { small, fontSize, inputFont, scrollWidth: document.documentElement.scrollWidth, count: controls.length };
    });
    assert.ok(report.count > 20, "the form's controls were measured");
    assert.deepEqual(report.small, [], "every target is at least 48 x 48 CSS px");
    assert.ok(report.fontSize >= 18, `body text is ${report.fontSize}px`);
    assert.ok(report.inputFont >= 18, `input text is ${report.inputFont}px`);
    assert.equal(report.scrollWidth, 320);

    // Text enlarged to 200 % (WCAG 1.4.4) still fits 320 px without sideways scrolling (1.4.10).
    await page.evaluate(() => {
      document.documentElement.style.fontSize = "225%"; // twice the 112.5 % base
    });
    const enlarged = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      overflowing: [...document.querySelectorAll("main *, header *")]
        .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
        .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`)
        .slice(0, 10),
    }));
    assert.deepEqual(enlarged, { scrollWidth: 320, overflowing: [] });
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it("the check-out page, with and without a check-in on this phone", async () => {
    const page = await browser.newPage();
    await open(page, `/checkout/${uniqueShelterId("nothing")}`);
    await assertAccessible(page, "check-out without a stay");
    await page.evaluate((id) => {
      localStorage.setItem("shelter-checkin.stays", JSON.stringify({ [id]: { stayId: "0b9f3c2e-1111-4222-8333-444455556666", checkedInAt: new Date().toISOString() } }));
    }, shelterId);
    await open(page, `/checkout/${shelterId}`);
    await page.getByRole("button", { name: "退所する" }).waitFor();
    await assertAccessible(page, "check-out with a stay");
    await screenshot(page, "checkout-320");
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it("the unknown-shelter page, the home page, the not-found page and the staff shell", async () => {
    const page = await browser.newPage();
    for (const [path, what] of [
      [`/checkin/${uniqueShelterId("unknown")}`, "unknown shelter"],
      ["/", "home"],
      ["/no/such/page", "not found"],
      ["/staff", "staff sign-in"],
      ["/staff/shelters", "staff shelters"],
    ]) {
      await open(page, path);
      if (what === "unknown shelter") await page.getByTestId("shelter-problem").waitFor();
      await assertAccessible(page, what);
    }
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it("the staff shell and the check-in form at desktop width", async () => {
    const page = await browser.newPage(DESKTOP);
    await open(page, "/staff");
    await assertAccessible(page, "staff sign-in, desktop");
    await screenshot(page, "staff-signin-desktop");
    await open(page, `/checkin/${shelterId}`);
    await page.getByTestId("shelter-name").waitFor();
    await assertAccessible(page, "check-in form, desktop");
    await screenshot(page, "checkin-form-desktop");
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });
});
