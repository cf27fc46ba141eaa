// axe-core on every page of the web app, at phone width, in Japanese and in the other
// languages: no serious or critical violation (issue 5 "Must show").
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  BASE_URL,
  PHONE,
  createOpenShelter,
  eventually,
  fillCheckInForm,
  launch,
  screenshot,
  seriousViolations,
  staffApi,
  uniqueShelterId,
  pageErrors,
  DESKTOP,
} from "./support.mjs";

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

  it("the public search and the open shelters (map, list, charts) in every language, at 320 px", async () => {
    // An open shelter with a position, so the map draws a marker (offline: no tile server here).
    const shelterWithPosition = uniqueShelterId("map");
    const mapName = `地図確認小学校 ${shelterWithPosition.slice(-6)}`;
    const created = await staffApi("POST", "/api/registration/shelters", {
      shelter_id: shelterWithPosition,
      name: mapName,
      capacity: 80,
      latitude: 35.6812,
      longitude: 139.7671,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await staffApi("POST", `/api/registration/shelters/${shelterWithPosition}/open`)).status, 200);
    const page = await browser.newPage();
    for (const lang of ["ja", "en", "ja-easy", "zh-Hans", "ko", "vi"]) {
      await open(page, "/search", lang);
      await assertAccessible(page, `${lang} search`);
      await page.locator("button[type=submit]").click();
      await page.getByRole("alert").first().waitFor();
      await assertAccessible(page, `${lang} search without a name`);

      await open(page, "/shelters", lang);
      await page.locator(`[data-testid=shelter-map], [data-testid=no-open-shelters]`).first().waitFor();
      await page.getByTestId("shelter-row").filter({ hasText: mapName }).waitFor({ timeout: 20_000 });
      assert.equal(await page.getByTestId("shelter-map").getAttribute("data-offline"), "true");
      await page.locator("details.shelter-details", { hasText: mapName }).locator(":scope > summary").click();
      await page.getByTestId("age-band-chart").first().waitFor();
      await assertAccessible(page, `${lang} open shelters`);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.equal(width, 320, `${lang}: no sideways scrolling at 320 px`);
      if (lang === "ja") await screenshot(page, "public-shelters-320");
    }
    assert.deepEqual(pageErrors(page), []);
    await page.close();

    const desktop = await browser.newPage(DESKTOP);
    await open(desktop, "/shelters");
    await desktop.getByTestId("shelter-map").waitFor();
    await screenshot(desktop, "public-shelters-desktop");
    const phone = await browser.newPage({ ...PHONE, viewport: { width: 360, height: 740 } });
    await open(phone, "/search");
    await screenshot(phone, "public-search-phone");
    await desktop.close();
    await phone.close();
  });

  it("the open shelters page updates its counts live (statistics events), without a reload", async () => {
    const liveId = uniqueShelterId("live");
    const liveName = `ライブ確認公民館 ${liveId.slice(-6)}`;
    const created = await staffApi("POST", "/api/registration/shelters", { shelter_id: liveId, name: liveName, capacity: 4, latitude: 35.69, longitude: 139.7 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await staffApi("POST", `/api/registration/shelters/${liveId}/open`)).status, 200);
    const page = await browser.newPage(DESKTOP);
    // One event stream for the page's life: a page that re-subscribes after every event loses
    // events in between (and many phones behind one address hit the gateway's rate limit).
    // open() loads the page twice (the language is set in between): count per page load.
    const streams = [];
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) streams.length = 0;
    });
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/stats/events") streams.push(request.url());
    });
    await open(page, "/shelters");
    const row = page.getByTestId("shelter-row").filter({ hasText: liveName });
    await row.waitFor({ timeout: 20_000 });
    assert.match(await row.innerText(), /0人 \/ 4/);
    const checkedIn = await fetch(`${BASE_URL}/api/registration/shelters/${liveId}/check-ins`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        personal: { family_name: "佐藤", given_name: "一郎", address: "東京都新宿区1-1", date_of_birth: "1980-01-01", sex: "male" },
        consent: true,
      }),
    });
    assert.equal(checkedIn.status, 201);
    await page.waitForFunction(
      (name) => [...document.querySelectorAll("[data-testid=shelter-row]")].some((tr) => tr.textContent.includes(name) && tr.textContent.includes("1人 / 4")),
      liveName,
      { timeout: 20_000 },
    );
    assert.equal(streams.length, 1, `one /api/stats/events stream, not one per event: ${streams.length}`);
    // Its occupancy over time (stats history) is drawn, with a sentence and a table beside it;
    // wait until the history has the check-in (its first point may be the opening, 0 people).
    await eventually(async () => ((await staffApi("GET", `/api/stats/shelters/${liveId}/history`)).body?.points?.at(-1)?.present === 1 ? true : undefined));
    await page.locator("details.shelter-details", { hasText: liveName }).locator(":scope > summary").click();
    const history = page.locator("details.shelter-details", { hasText: liveName }).getByTestId("occupancy-chart");
    await history.locator("svg").waitFor({ timeout: 20_000 });
    assert.match(await history.innerText(), /いまは1人です/);
    await assertAccessible(page, "occupancy over time");
    await screenshot(page, "public-shelter-history-desktop");
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it("the administrator's screens (accounts, shelters and import, settings, audit log)", async () => {
    const stackDir = process.env.STACK_DIR ?? path.resolve(import.meta.dirname, "..", "..", ".stack", "test");
    const password = process.env.ADMIN_PASSWORD ?? readFileSync(path.join(stackDir, "admin-password"), "utf8").trim();
    const page = await browser.newPage();
    await open(page, "/staff");
    await page.getByLabel(/^ユーザーID/).fill("admin");
    await page.getByLabel(/^パスワード/).fill(password);
    await page.getByRole("button", { name: "ログイン", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "ホーム" }).waitFor();
    for (const [pathname, ready] of [
      ["/staff/accounts", "[data-testid=accounts-table]"],
      ["/staff/shelter-admin", "[data-testid=admin-shelters]"],
      ["/staff/settings", "[data-testid=kiosk-tokens] form"],
      ["/staff/logs", "form"],
    ]) {
      for (const lang of ["ja", "en"]) {
        await open(page, pathname, lang);
        await page.locator(ready).first().waitFor();
        await assertAccessible(page, `${pathname} (${lang}, 320 px)`);
      }
    }
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });
});
