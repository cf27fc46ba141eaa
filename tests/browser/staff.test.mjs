// The staff web app against the real stack through nginx (issue 5, S10-S15): sign-in with the
// auth cookies, a smartphone check-in from the QR URL showing up live in the shelter list and
// in the roster, editing, forced check-out, the QR print page, Japanese problem messages, axe
// on every staff screen, and screenshots at phone and desktop width.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  BASE_URL,
  DESKTOP,
  PHONE,
  createOpenShelter,
  eventually,
  fillCheckInForm,
  launch,
  pageErrors,
  screenshot,
  seriousViolations,
  staffApi,
} from "./support.mjs";
import { readFileSync } from "node:fs";
import path from "node:path";

/** A button or link whose visible word is followed by a hidden ": <what>" for screen readers. */
function named(word, what) {
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escape(word)}\\s*: ${escape(what)}`);
}

/** A phone of 360 CSS px (the brief's screenshots); support.mjs's PHONE is the 320 px one. */
const PHONE_360 = { ...PHONE, viewport: { width: 360, height: 740 } };

function adminPassword() {
  if (process.env.ADMIN_PASSWORD) return process.env.ADMIN_PASSWORD;
  const stackDir = process.env.STACK_DIR ?? path.resolve(import.meta.dirname, "..", "..", ".stack", "test");
  return readFileSync(path.join(stackDir, "admin-password"), "utf8").trim();
}

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function assertAccessible(page, what) {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${what}: ${JSON.stringify(violations, null, 2)}`);
}

/** Opens a staff page in Japanese. */
async function openStaff(page, pathname = "/staff") {
  await page.goto(`${BASE_URL}${pathname}`);
  await page.getByRole("heading", { level: 1 }).waitFor();
}

/** Signs in through the form (the session lives in HttpOnly cookies of the page's context). */
async function signIn(page, userId, password) {
  await page.getByLabel(/^ユーザーID/).fill(userId);
  await page.getByLabel(/^パスワード/).fill(password);
  await page.getByRole("button", { name: "ログイン", exact: true }).click();
}

async function signInAsAdmin(page) {
  await openStaff(page, "/staff");
  await signIn(page, "admin", adminPassword());
  await page.getByRole("heading", { level: 1, name: "ホーム" }).waitFor();
}

/** Screenshots of one screen at 360 px and at desktop width (the same session, resized). */
async function screenshots(page, name) {
  await page.setViewportSize(PHONE_360.viewport);
  await screenshot(page, `staff-${name}-phone`);
  await page.setViewportSize(DESKTOP.viewport);
  await screenshot(page, `staff-${name}-desktop`);
}

describe("staff sign-in and password (S10.1, S10.2)", () => {
  it("shows Japanese errors, the must-change-password path and the password policy's rules", async () => {
    const userId = `web-${Date.now().toString(36)}`;
    const initial = `initial-${Date.now()}-pass1`;
    const created = await staffApi("POST", "/api/auth/accounts", {
      user_id: userId,
      display_name: "ブラウザ職員",
      role: "hq_viewer",
      password: initial,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const page = await browser.newPage(PHONE);
    await openStaff(page, "/staff");
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "職員ログイン");
    assert.equal(await page.evaluate(() => document.documentElement.lang), "ja");
    await assertAccessible(page, "sign-in");
    await screenshots(page, "sign-in");

    // English on request (staff screens: Japanese first, English switchable).
    await page.getByLabel("言語 / Language").selectOption("en");
    await page.getByRole("heading", { level: 1, name: "Staff sign-in" }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
    await assertAccessible(page, "sign-in (English)");
    await page.getByLabel("言語 / Language").selectOption("ja");
    await page.getByRole("heading", { level: 1, name: "職員ログイン" }).waitFor();

    // Nothing typed: told in Japanese, no call made.
    await page.getByRole("button", { name: "ログイン", exact: true }).click();
    await page.getByRole("alert").filter({ hasText: "ユーザーIDとパスワードを入力してください。" }).waitFor();
    await assertAccessible(page, "sign-in with errors");

    // A wrong password: the service's title_ja, and its English title underneath.
    await signIn(page, userId, "wrong-password-1");
    const wrong = page.getByRole("alert").filter({ hasText: "ユーザーIDまたはパスワードが正しくありません" });
    await wrong.waitFor();
    assert.match(await wrong.textContent(), /The user id or the password is wrong/);

    // The first sign-in of a new account: the password must change first.
    await signIn(page, userId, initial);
    await page.getByRole("alert").filter({ hasText: "サインインの前にパスワードを変更してください" }).waitFor();
    await page.getByRole("link", { name: "パスワードを変更する" }).click();
    await page.getByRole("heading", { level: 1, name: "パスワード変更" }).waitFor();
    assert.equal(await page.getByLabel(/^ユーザーID/).inputValue(), userId);
    await assertAccessible(page, "password change");

    // A password the policy refuses: the problem and the rules it breaks.
    await page.getByLabel(/^現在のパスワード/).fill(initial);
    await page.getByLabel(/^新しいパスワード（確認）/).fill("short");
    await page.getByLabel(/^新しいパスワード(?!（)/).fill("short");
    await page.getByRole("button", { name: "パスワードを変更" }).click();
    await page.getByRole("alert").filter({ hasText: "パスワードがパスワードポリシーを満たしていません" }).waitFor();
    // Each broken rule in Japanese first (review item 23), the service's English after it, marked lang="en".
    const rule = page.getByRole("alert").locator("li").filter({ hasText: /\d+文字以上にしてください/ });
    await rule.waitFor();
    assert.match(await rule.locator('[lang="en"]').textContent(), /^\(shorter than \d+ characters\)$/);
    assert.match(await page.locator("#password-new-error").textContent(), /\d+文字以上にしてください/);
    assert.doesNotMatch(await page.locator("#password-new-error").textContent(), /shorter than/);
    await assertAccessible(page, "password change with policy errors");
    await screenshots(page, "password-policy-error");

    const next = `Renewed-${Date.now()}-pass2`;
    await page.getByLabel(/^現在のパスワード/).fill(initial);
    await page.getByLabel(/^新しいパスワード(?!（)/).fill(next);
    await page.getByLabel(/^新しいパスワード（確認）/).fill(next);
    await page.getByRole("button", { name: "パスワードを変更" }).click();
    await page.getByText("パスワードを変更しました。新しいパスワードでログインしてください。").waitFor();

    // Signed in with the new password: a headquarters viewer sees no open/close buttons.
    await openStaff(page, "/staff");
    await signIn(page, userId, next);
    await page.getByRole("heading", { level: 1, name: "ホーム" }).waitFor();
    await page.getByText(`${userId}（災害対策本部（閲覧のみ）`).waitFor();
    await page.getByRole("navigation", { name: "管理メニュー" }).getByRole("link", { name: "避難所一覧" }).click();
    await page.getByRole("heading", { level: 1, name: "避難所一覧" }).waitFor();
    assert.equal(await page.getByRole("button", { name: /^開設する|^閉鎖する/ }).count(), 0);

    // Sign-out ends the session: a reload shows the sign-in form again.
    await page.getByRole("button", { name: "ログアウト" }).click();
    await page.getByText("ログアウトしました。").waitFor();
    await page.goto(`${BASE_URL}/staff/shelters`);
    await page.getByRole("heading", { level: 1, name: "職員ログイン" }).waitFor();
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });
});

describe("staff screens with a smartphone check-in (S10.3, S10.4, S11, S13)", () => {
  it("a check-in from the QR URL shows up live, is edited, checked out by force, and the QR page prints", async () => {
    const shelterName = `スタッフ画面小学校${Date.now().toString(36)}`;
    const shelterId = await createOpenShelter(shelterName);
    const shelter = await staffApi("GET", `/api/registration/shelters/${shelterId}`);
    const checkInPath = new URL(shelter.body.check_in_url).pathname;
    assert.equal(checkInPath, `/checkin/${shelterId}`);

    // An administrator's home link (S15), put back as it was afterwards.
    const linksBefore = await staffApi("GET", "/api/registration/settings/links");
    assert.equal(linksBefore.status, 200, JSON.stringify(linksBefore.body));
    const label = `気象情報${Date.now().toString(36)}`;
    const put = await staffApi("PUT", "/api/registration/settings/links", {
      links: [...linksBefore.body.links, { label_ja: label, label_en: "Weather", url: "https://www.jma.go.jp/" }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));

    const staff = await browser.newPage(DESKTOP);
    try {
      await signInAsAdmin(staff);
      await staff.getByRole("link", { name: new RegExp(`^${label}`) }).waitFor();
    } finally {
      await staffApi("PUT", "/api/registration/settings/links", linksBefore.body);
    }
    await staff.getByRole("heading", { level: 2, name: "現在の状況" }).waitFor();
    await staff.locator(".figures").first().waitFor();
    await staff.getByRole("heading", { level: 2, name: "避難所の地図" }).waitFor();
    await assertAccessible(staff, "home");
    await screenshots(staff, "home");

    await staff.getByRole("navigation", { name: "管理メニュー" }).getByRole("link", { name: "避難所一覧" }).click();
    await staff.getByRole("heading", { level: 1, name: "避難所一覧" }).waitFor();
    const card = staff.locator(`[data-shelter-id="${shelterId}"]`);
    await card.waitFor();
    await card.getByText("指定避難所").waitFor();
    await staff.getByText("自動更新中").waitFor();
    const present = card.locator('[data-figure="present"] dd');
    await eventually(async () => ((await present.textContent()) === "0人" ? true : undefined));
    await assertAccessible(staff, "shelter list");
    await screenshots(staff, "shelters");

    // The evacuee's phone opens the QR code's URL and checks in.
    const phone = await browser.newPage(PHONE);
    await phone.goto(`${BASE_URL}${checkInPath}`);
    await phone.getByTestId("shelter-name").waitFor();
    const givenName = `花子${Date.now().toString(36).slice(-4)}`;
    await fillCheckInForm(phone, { familyName: "山田", givenName });
    await phone.getByRole("button", { name: "確認へ進む" }).click();
    await phone.getByRole("button", { name: "この内容で登録する" }).click();
    await phone.getByRole("heading", { level: 1, name: "受付が完了しました" }).waitFor();
    await phone.close();

    // The staff list updates without a reload (server-sent events).
    const navigations = [];
    staff.on("framenavigated", (frame) => {
      if (frame === staff.mainFrame()) navigations.push(frame.url());
    });
    await eventually(async () => ((await present.textContent()) === "1人" ? true : undefined));
    assert.equal(await card.locator('[data-figure="households"] dd').textContent(), "1");
    assert.deepEqual(navigations, [], "the shelter list must update in place");

    // The occupancy history and the age bands, opened on demand.
    await card.getByText("在所者数の推移と年代").click();
    await card.locator(".shelter-history figure, .shelter-history p").first().waitFor();
    await assertAccessible(staff, "shelter history");

    // Close and reopen with a confirmation.
    await card.getByRole("button", { name: named("閉鎖する", shelterName) }).click();
    const dialog = staff.getByRole("dialog");
    await dialog.getByText(`「${shelterName}」を閉鎖しますか？`).waitFor();
    await assertAccessible(staff, "close confirmation");
    await dialog.getByRole("button", { name: "キャンセル" }).click();
    await card.getByRole("button", { name: named("閉鎖する", shelterName) }).click();
    await staff.getByRole("dialog").getByRole("button", { name: "はい、実行します" }).click();
    await staff.getByText(`「${shelterName}」を閉鎖しました。`).waitFor();
    await card.getByText("閉鎖中").waitFor();
    await card.getByRole("button", { name: named("開設する", shelterName) }).click();
    await staff.getByRole("dialog").getByRole("button", { name: "はい、実行します" }).click();
    await card.getByText("開設中").waitFor();

    // The print-ready QR page of this shelter (registration's qr.html, with the session cookie).
    const qrHref = await card.getByRole("link", { name: named("QRコードを印刷", shelterName) }).getAttribute("href");
    const qr = await staff.context().newPage();
    const qrResponse = await qr.goto(`${BASE_URL}${qrHref}`);
    assert.equal(qrResponse.status(), 200);
    await qr.getByText(shelterName).first().waitFor();
    assert.ok((await qr.locator("svg").count()) >= 1, "the QR page shows the code");
    assert.match(await qr.content(), new RegExp(`/checkin/${shelterId}`));
    await screenshot(qr, "staff-qr-print-page");
    await qr.close();

    // The roster: the person is there, found by kana-free name filter.
    await card.getByRole("link", { name: named("名簿", shelterName) }).click();
    await staff.getByRole("heading", { level: 1, name: `避難者名簿: ${shelterName}` }).waitFor();
    await staff.getByLabel("氏名（漢字・かな）").fill(givenName);
    const entry = staff.locator(".entry-card").filter({ hasText: `山田 ${givenName}` });
    await eventually(async () => {
      await staff.getByRole("button", { name: "絞り込む" }).click();
      await staff.waitForTimeout(300);
      return (await entry.count()) === 1 ? true : undefined;
    });
    await assertAccessible(staff, "roster");
    await screenshots(staff, "roster");

    // The access token is gone (expired): the next call refreshes it with the refresh cookie
    // and the CSRF header, and goes through.
    await staff.context().clearCookies({ name: "__Host-shelter-access" });
    const answers = [];
    const onResponse = (response) => {
      const pathname = decodeURIComponent(new URL(response.url()).pathname);
      if (pathname === "/api/auth/refresh") answers.push(`refresh ${response.status()}`);
      if (pathname === `/api/roster/shelters/${shelterId}/entries`) answers.push(`entries ${response.status()}`);
    };
    staff.on("response", onResponse);
    await staff.getByRole("button", { name: "絞り込む" }).click();
    await eventually(async () => (answers.includes("entries 200") ? true : undefined));
    staff.off("response", onResponse);
    // The read was refused once, the tokens renewed, the SAME read retried and answered.
    assert.deepEqual(answers.slice(0, 3), ["entries 401", "refresh 200", "entries 200"], answers.join(", "));
    const cookies = await staff.context().cookies(BASE_URL);
    assert.ok(cookies.some((cookie) => cookie.name === "__Host-shelter-access"), "a new access cookie");
    assert.equal(await staff.getByRole("alert").count(), 0, "no error shown");
    await entry.waitFor();

    // CSV export of the filtered roster.
    const [download] = await Promise.all([staff.waitForEvent("download"), staff.getByRole("button", { name: "CSVを出力" }).click()]);
    assert.equal(download.suggestedFilename(), `roster-${shelterId}.csv`);
    const csvText = readFileSync(await download.path(), "utf8");
    assert.match(csvText, new RegExp(givenName));
    await staff.getByText(/^CSVを保存しました/).waitFor();

    // Edit the address; the history shows the change.
    await entry.getByRole("button", { name: named("編集", `山田 ${givenName}`) }).click();
    await entry.getByLabel(/^住所/).fill("東京都千代田区丸の内1-1");
    await assertAccessible(staff, "roster edit form");
    await entry.getByRole("button", { name: "保存" }).click();
    await staff.getByText(`山田 ${givenName}さんの情報を保存しました。`).waitFor();
    await entry.getByText("東京都千代田区丸の内1-1").waitFor();
    await entry.getByRole("button", { name: named("変更履歴", `山田 ${givenName}`) }).click();
    await entry.getByText("東京都千代田区千代田1-1 → 東京都千代田区丸の内1-1").waitFor();
    await assertAccessible(staff, "roster history");

    // Forced check-out with a confirmation.
    await entry.getByRole("button", { name: named("強制退所", `山田 ${givenName}`) }).click();
    await staff.getByRole("dialog").getByText(`山田 ${givenName}さんを退所済みにしますか？`).waitFor();
    await assertAccessible(staff, "forced check-out confirmation");
    await screenshots(staff, "forced-check-out");
    await staff.getByRole("dialog").getByRole("button", { name: "はい、実行します" }).click();
    await staff.getByText(`山田 ${givenName}さんを退所済みにしました。`).waitFor();
    await eventually(async () => {
      const response = await staffApi("GET", `/api/stats/shelters/${shelterId}`);
      return response.body?.present === 0 ? true : undefined;
    });
    await staff.getByRole("navigation", { name: "管理メニュー" }).getByRole("link", { name: "避難所一覧" }).click();
    await eventually(async () => ((await present.textContent()) === "0人" ? true : undefined));
    assert.equal(await card.locator('[data-figure="checked-out"] dd').textContent(), "1人");
    assert.deepEqual(pageErrors(staff), []);
    await staff.close();
  });

  it("the roster shows a check-in made on a smartphone without a reload, keeping its filter", async () => {
    const shelterName = `名簿自動更新小学校${Date.now().toString(36)}`;
    const shelterId = await createOpenShelter(shelterName);
    const shelter = await staffApi("GET", `/api/registration/shelters/${shelterId}`);
    const staff = await browser.newPage(DESKTOP);
    await signInAsAdmin(staff);
    await openStaff(staff, `/staff/roster/${encodeURIComponent(shelterId)}`);
    await staff.getByRole("heading", { level: 1, name: `避難者名簿: ${shelterName}` }).waitFor();
    // A filter that the coming person matches: it must still apply after the live re-read.
    await staff.getByLabel("在所状況").selectOption("all");
    await staff.getByRole("button", { name: "絞り込む" }).click();
    await staff.getByText("該当する避難者はいません。").waitFor();
    const navigations = [];
    staff.on("framenavigated", (frame) => {
      if (frame === staff.mainFrame()) navigations.push(frame.url());
    });

    const phone = await browser.newPage(PHONE);
    await phone.goto(`${BASE_URL}${new URL(shelter.body.check_in_url).pathname}`);
    await phone.getByTestId("shelter-name").waitFor();
    const givenName = `次郎${Date.now().toString(36).slice(-4)}`;
    await fillCheckInForm(phone, { familyName: "木村", givenName });
    await phone.getByRole("button", { name: "確認へ進む" }).click();
    await phone.getByRole("button", { name: "この内容で登録する" }).click();
    await phone.getByRole("heading", { level: 1, name: "受付が完了しました" }).waitFor();
    await phone.close();

    // No click, no reload: the entry appears by itself (the shelter's statistics events).
    const arrived = staff.locator(".entry-card").filter({ hasText: `木村 ${givenName}` });
    await arrived.waitFor({ timeout: 30_000 });
    assert.deepEqual(navigations, [], "the roster must update in place");
    // The person's name is Japanese data: marked so, also on the English page (review item 23).
    assert.equal(await arrived.locator('.entry-name [lang="ja"]').textContent(), `木村 ${givenName}`);
    assert.equal(await staff.getByLabel("在所状況").inputValue(), "all");
    await assertAccessible(staff, "roster after a live update");
    assert.deepEqual(pageErrors(staff), []);
    await staff.close();
  });

  it("proxy registration: a bad form gets the service's Japanese message, a good one lands in the roster", async () => {
    const shelterName = `代理登録小学校${Date.now().toString(36)}`;
    const shelterId = await createOpenShelter(shelterName);
    const given = `一郎${Date.now().toString(36).slice(-4)}`;
    const page = await browser.newPage(PHONE);
    await signInAsAdmin(page);
    await openStaff(page, `/staff/roster/${encodeURIComponent(shelterId)}`);
    await page.getByRole("heading", { level: 1, name: `避難者名簿: ${shelterName}` }).waitFor();
    await page.getByRole("button", { name: "代理登録" }).click();
    const form = page.locator("#proxy-check-in");
    await form.getByRole("button", { name: "登録する" }).click();
    const alert = form.getByRole("alert");
    await alert.getByText("入力内容に誤りがあります").waitFor();
    await alert.getByText("入力内容を確認してください。").waitFor();
    assert.equal(await form.getByLabel(/^姓/).first().getAttribute("aria-invalid"), "true");
    await assertAccessible(page, "proxy registration with errors");
    await screenshots(page, "proxy-error");

    await form.getByLabel(/^姓/).first().fill("佐藤");
    await form.getByLabel(/^名/).first().fill(given);
    await form.getByLabel("年", { exact: true }).selectOption("1945");
    await form.getByLabel("月", { exact: true }).selectOption("8");
    await form.getByLabel("日", { exact: true }).selectOption("5");
    await form.getByRole("radio", { name: "男性" }).check();
    await form.getByLabel(/^住所/).fill("東京都千代田区");
    await form.getByRole("button", { name: "登録する" }).click();
    await page.getByText(`佐藤 ${given}さんを登録しました。`).waitFor();
    await eventually(async () => {
      const roster = await staffApi("GET", `/api/roster/shelters/${shelterId}/entries`);
      return roster.body?.items?.some((item) => item.personal.given_name === given && item.channel === 2) ? true : undefined;
    });
    await page.getByRole("button", { name: "絞り込む" }).click();
    const entry = page.locator(".entry-card").filter({ hasText: `佐藤 ${given}` });
    await entry.waitFor();
    await entry.getByText("2 職員による代理登録").waitFor();

    // Found from every shelter's roster (S13.1), with a link to its shelter.
    await page.getByRole("navigation", { name: "管理メニュー" }).getByRole("link", { name: "避難者名簿" }).click();
    await page.getByRole("heading", { level: 2, name: "全避難所から避難者を探す" }).waitFor();
    await page.locator("#search-all-name").fill(given);
    await page.getByRole("button", { name: "探す" }).click();
    const hit = page.locator(".search-hits li").filter({ hasText: `佐藤 ${given}` });
    await hit.waitFor();
    await assertAccessible(page, "search in every shelter");
    await hit.getByRole("link", { name: shelterName }).click();
    await page.getByRole("heading", { level: 1, name: `避難者名簿: ${shelterName}` }).waitFor();
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });
});

describe("shelter staff see their own shelters (S10.5)", () => {
  it("lists only the assigned shelter, may open it, and go straight to its roster", async () => {
    const shelterName = `担当避難所${Date.now().toString(36)}`;
    const shelterId = await createOpenShelter(shelterName);
    const other = await createOpenShelter(`担当外避難所${Date.now().toString(36)}`);
    const userId = `desk-${Date.now().toString(36)}`;
    const initial = `initial-${Date.now()}-desk1`;
    const password = `Desk-${Date.now()}-ready2`;
    const created = await staffApi("POST", "/api/auth/accounts", {
      user_id: userId,
      display_name: "避難所職員",
      role: "shelter_staff",
      shelters: [shelterId],
      password: initial,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const changed = await staffApi("POST", "/api/auth/password", { user_id: userId, current_password: initial, new_password: password });
    assert.equal(changed.status, 204, JSON.stringify(changed.body));

    const page = await browser.newPage(PHONE);
    await openStaff(page, "/staff");
    await signIn(page, userId, password);
    await page.getByRole("heading", { level: 1, name: "ホーム" }).waitFor();
    const menu = page.getByRole("navigation", { name: "管理メニュー" });
    assert.equal(await menu.getByRole("link", { name: "アカウント" }).count(), 0, "no administrator screens");
    await menu.getByRole("link", { name: "避難所一覧" }).click();
    await page.locator(`[data-shelter-id="${shelterId}"]`).waitFor();
    assert.equal(await page.locator(`[data-shelter-id="${other}"]`).count(), 0);
    assert.equal(await page.locator(".shelter-card").count(), 1);
    await page.getByRole("button", { name: named("閉鎖する", shelterName) }).waitFor();
    await menu.getByRole("link", { name: "避難者名簿" }).click();
    await page.getByRole("heading", { level: 1, name: `避難者名簿: ${shelterName}` }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/staff/roster/${shelterId}`);
    await page.getByRole("button", { name: "代理登録" }).waitFor();
    await assertAccessible(page, "roster of shelter staff");
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });
});
