// The administrator's screens (issue 5; S10.5 accounts, S10.6/S10.3 shelters with CSV import,
// S10.7 settings incl. kiosk tokens and S15 home links, S10.8 audit log) against the real
// stack through nginx: each change made through the page is checked through the API, axe finds
// no serious violation, and screenshots at phone (360 px) and desktop width.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  BASE_URL,
  DESKTOP,
  PHONE,
  createShelter,
  eventually,
  launch,
  pageErrors,
  screenshot,
  seriousViolations,
  staffApi,
  uniqueShelterId,
} from "./support.mjs";

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

/** The administrator's session cookies, from the first sign-in through the form (fewer sign-ins: nginx limits them). */
let adminCookies;

/** Opens `pathname` signed in as the stack's administrator (the sign-in form the first time). */
async function adminPage(pathname, device = DESKTOP) {
  const page = await browser.newPage(device);
  // A page that renews its tokens rotates the refresh token: later pages must get the NEW cookies
  // (presenting the old refresh token again looks like reuse, and auth revokes the session).
  page.on("response", (response) => {
    if (new URL(response.url()).pathname !== "/api/auth/refresh" || !response.ok()) return;
    page
      .context()
      .cookies()
      .then((cookies) => {
        adminCookies = cookies;
      })
      .catch(() => undefined);
  });
  if (adminCookies === undefined) {
    await page.goto(`${BASE_URL}/staff`);
    await page.getByLabel(/^ユーザーID/).fill("admin", { timeout: 30_000 });
    await page.getByLabel(/^パスワード/).fill(adminPassword());
    await page.getByRole("button", { name: "ログイン", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "ホーム" }).waitFor({ timeout: 30_000 });
    adminCookies = (await page.context().storageState()).cookies;
  } else {
    await page.context().addCookies(adminCookies);
  }
  await page.goto(`${BASE_URL}${pathname}`);
  await page.getByRole("heading", { level: 1 }).waitFor({ timeout: 30_000 });
  return page;
}

/** One screen at 360 px and at desktop width. */
async function screenshots(page, name) {
  await page.setViewportSize(PHONE_360.viewport);
  await screenshot(page, `admin-${name}-phone`);
  await page.setViewportSize(DESKTOP.viewport);
  await screenshot(page, `admin-${name}-desktop`);
}

async function confirm(page) {
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await assertAccessible(page, "confirm dialog");
  await dialog.getByRole("button", { name: "はい、実行します" }).click();
  await dialog.waitFor({ state: "detached" });
}

describe("accounts (S10.5)", () => {
  it("creates an account, edits its role, locks and unlocks it, and deletes it", async () => {
    const userId = `web-${Date.now().toString(36)}`;
    const page = await adminPage("/staff/accounts");
    await page.getByRole("heading", { level: 1, name: "アカウント" }).waitFor();
    await page.getByTestId("accounts-table").waitFor();
    await assertAccessible(page, "accounts");

    const form = page.getByTestId("new-account");
    await form.getByLabel(/^ユーザーID/).fill(userId);
    await form.getByLabel(/^表示名/).fill("ブラウザ 太郎");
    await form.getByLabel(/^役割/).selectOption("shelter_staff");
    await form.getByLabel(/^担当避難所/).fill("13101-0001, 13101-0002");
    await form.getByLabel(/^初期パスワード/).fill(`Aa1!${Math.random().toString(36).slice(2)}xyz9`);
    await form.getByRole("button", { name: "アカウントを作成" }).click();
    await page.getByText(`アカウント「${userId}」を作成しました。`).waitFor();
    const created = await staffApi("GET", `/api/auth/accounts/${userId}`);
    assert.equal(created.status, 200);
    assert.equal(created.body.role, "shelter_staff");
    assert.deepEqual(created.body.shelters, ["13101-0001", "13101-0002"]);
    const row = page.locator(`tr[data-user="${userId}"]`);
    assert.match(await row.innerText(), /避難所職員/);
    await screenshots(page, "accounts");

    await page.getByRole("button", { name: `編集: ${userId}` }).click();
    const edit = page.getByTestId("edit-account");
    await edit.getByLabel(/^役割/).selectOption("hq_viewer");
    await edit.getByLabel(/^有効期限/).fill("2030-03-31T18:00");
    await assertAccessible(page, "account editor");
    await edit.getByRole("button", { name: "保存" }).click();
    await page.getByText(`アカウント「${userId}」を更新しました。`).waitFor();
    const edited = await staffApi("GET", `/api/auth/accounts/${userId}`);
    assert.equal(edited.body.role, "hq_viewer");
    assert.equal(Date.parse(edited.body.expires_at), Date.parse("2030-03-31T18:00:00+09:00"));
    assert.match(await row.innerText(), /災害対策本部/);

    await page.getByRole("button", { name: `緊急ロック: ${userId}` }).click();
    await confirm(page);
    await page.getByText(`「${userId}」をロックしました。`).waitFor();
    assert.equal((await staffApi("GET", `/api/auth/accounts/${userId}`)).body.locked, true);
    assert.match(await row.getByTestId("account-state").innerText(), /緊急ロック中/);

    await page.getByRole("button", { name: `ロック解除: ${userId}` }).click();
    await page.getByText(`「${userId}」のロックを解除しました。`).waitFor();
    assert.equal((await staffApi("GET", `/api/auth/accounts/${userId}`)).body.locked, false);

    await page.getByRole("button", { name: `削除: ${userId}` }).click();
    await confirm(page);
    await page.getByText(`アカウント「${userId}」を削除しました。`).waitFor();
    assert.equal((await staffApi("GET", `/api/auth/accounts/${userId}`)).status, 404);
    await row.waitFor({ state: "detached" });

    // A refusal is shown from the problem details, in Japanese.
    await form.getByLabel(/^ユーザーID/).fill("admin");
    await form.getByLabel(/^表示名/).fill("重複");
    await form.getByLabel(/^初期パスワード/).fill("short");
    await form.getByRole("button", { name: "アカウントを作成" }).click();
    await form.getByRole("alert").waitFor();
    await assertAccessible(page, "account refused");
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });
});

describe("settings (S10.7, S15, S16.1)", () => {
  it("saves disclosure, status items, password policy and home links; issues and revokes a kiosk token", async () => {
    const before = {
      disclosure: (await staffApi("GET", "/api/roster/settings/disclosure")).body,
      items: (await staffApi("GET", "/api/registration/settings/status-items")).body,
      policy: (await staffApi("GET", "/api/auth/settings/password-policy")).body,
      links: (await staffApi("GET", "/api/registration/settings/links")).body,
    };
    const shelter = await createShelter("キオスク確認公民館");
    const page = await adminPage("/staff/settings");
    await page.getByRole("heading", { level: 1, name: "設定" }).waitFor();
    for (const id of ["disclosure", "status-items", "password-policy", "kiosk-tokens", "home-links"]) {
      await page.getByTestId(id).locator("form").first().waitFor();
    }
    await assertAccessible(page, "settings");
    await screenshots(page, "settings");
    try {
      const disclosure = page.getByTestId("disclosure");
      await disclosure.getByRole("checkbox", { name: "性別" }).setChecked(!before.disclosure.sex);
      await disclosure.getByRole("radio", { name: /年代/ }).check();
      await disclosure.getByRole("button", { name: "保存" }).click();
      await disclosure.getByText("保存しました。").waitFor();
      const disclosed = (await staffApi("GET", "/api/roster/settings/disclosure")).body;
      assert.equal(disclosed.sex, !before.disclosure.sex);
      assert.equal(disclosed.age_format, "band");

      const items = page.getByTestId("status-items");
      const textarea = items.getByLabel(/^項目（1行に1つ）/);
      const added = `テスト項目${Date.now() % 1000}`;
      await textarea.fill(`${await textarea.inputValue()}\n${added}`);
      await items.getByRole("button", { name: "保存" }).click();
      await items.getByText("保存しました。").waitFor();
      assert.ok((await staffApi("GET", "/api/registration/settings/status-items")).body.items.includes(added));

      const policy = page.getByTestId("password-policy");
      await policy.getByLabel(/^ロックする時間（分）/).fill("20");
      await policy.getByRole("button", { name: "保存" }).click();
      await policy.getByText("保存しました。").waitFor();
      assert.equal((await staffApi("GET", "/api/auth/settings/password-policy")).body.lockout_minutes, 20);

      const links = page.getByTestId("home-links");
      await links.getByRole("button", { name: "リンクを追加" }).click();
      const count = before.links.links.length + 1;
      await links.getByLabel(/^表示名（日本語）/).nth(count - 1).fill("避難所運営マニュアル");
      await links.getByLabel(/^表示名（英語）/).nth(count - 1).fill("Shelter manual");
      await links.getByLabel(/^URL/).nth(count - 1).fill("https://example.jp/manual.pdf");
      await links.getByRole("button", { name: "保存" }).click();
      await links.getByText("保存しました。").waitFor();
      const savedLinks = (await staffApi("GET", "/api/registration/settings/links")).body.links;
      assert.deepEqual(savedLinks.at(-1), { label_ja: "避難所運営マニュアル", label_en: "Shelter manual", url: "https://example.jp/manual.pdf" });

      const kiosk = page.getByTestId("kiosk-tokens");
      const label = `玄関の端末 ${Date.now() % 10000}`;
      await kiosk.getByLabel(/^避難所ID/).fill(shelter.shelter_id);
      await kiosk.getByLabel(/^端末の名前/).fill(label);
      await kiosk.getByRole("button", { name: "トークンを発行" }).click();
      const issued = kiosk.getByTestId("kiosk-issued");
      await issued.waitFor();
      assert.ok((await issued.locator("code").innerText()).length >= 16, "the token is shown once");
      const tokenRow = kiosk.locator("tr", { hasText: label });
      assert.match(await tokenRow.innerText(), /未使用/);
      await assertAccessible(page, "kiosk token issued");
      await kiosk.getByRole("button", { name: `失効させる: ${label}` }).click();
      await confirm(page);
      await kiosk.getByText(`端末「${label}」のトークンを失効させました。`).waitFor();
      await tokenRow.getByText(/失効済み/).waitFor();
      const listed = (await staffApi("GET", "/api/auth/kiosk-tokens")).body.find((token) => token.label === label);
      assert.notEqual(listed?.revoked_at, null);
      assert.deepEqual(pageErrors(page), []);
    } finally {
      await staffApi("PUT", "/api/roster/settings/disclosure", before.disclosure);
      await staffApi("PUT", "/api/registration/settings/status-items", before.items);
      await staffApi("PUT", "/api/auth/settings/password-policy", before.policy);
      await staffApi("PUT", "/api/registration/settings/links", before.links);
      await page.close();
    }
  });
});

/** A designated-shelters CSV (the GSI open-data columns) with `count` good rows and one bad one. */
function openDataCsv(runId, count) {
  const lines = ["NO,共通ID,都道府県名及び市町村名,施設・場所名,住所,緯度,経度,受入対象者,備考"];
  for (let i = 1; i <= count; i += 1) {
    lines.push(`${i},${runId}${String(i).padStart(3, "0")},東京都千代田区,取込テスト避難所${i},千代田${i}-1,${(35.68 + i / 1000).toFixed(4)},${(139.75 + i / 1000).toFixed(4)},,`);
  }
  lines.push(`${count + 1},${runId}999,東京都千代田区,緯度が変な避難所,千代田9-9,999,139.75,,`);
  return `${lines.join("\r\n")}\r\n`;
}

describe("shelters: CSV import with progress (S10.6)", () => {
  it("uploads with a progress bar, then shows the per-row report; the shelters appear with their pictures", async () => {
    const runId = `web${Date.now().toString(36)}`;
    const page = await adminPage("/staff/shelter-admin");
    await page.getByRole("heading", { level: 1, name: "避難所の登録" }).waitFor();
    await page.getByTestId("admin-shelters").waitFor();
    await assertAccessible(page, "shelter admin");

    // Record every state the progress region goes through (it can be quick on a fast machine).
    await page.evaluate(() => {
      window.progressSeen = [];
      new MutationObserver(() => {
        const region = document.querySelector("[data-testid=import-progress]");
        if (region !== null) window.progressSeen.push(region.textContent);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole("button", { name: "取り込む" }).click();
    await page.getByText("CSVファイルを選んでください。", { exact: true }).waitFor();

    await page.getByLabel(/^CSVファイル/).setInputFiles({ name: "shelters.csv", mimeType: "text/csv", buffer: Buffer.from(openDataCsv(runId, 12), "utf8") });
    await page.getByRole("button", { name: "取り込む" }).click();
    const report = page.getByTestId("import-report");
    await report.waitFor({ timeout: 60_000 });
    const seen = await page.evaluate(() => window.progressSeen);
    assert.ok(seen.some((text) => /送信中… \d+%|サーバーで取り込み中です/.test(text)), `progress was shown: ${JSON.stringify(seen.slice(0, 5))}`);
    assert.match(await report.getByRole("status").innerText(), /新規 12件、更新 0件、変更なし 0件、取り込めなかった行 1件/);
    const refused = report.locator("[data-testid=import-row][data-status=refused]");
    assert.equal(await refused.count(), 1);
    assert.match(await refused.innerText(), /^14\s/);
    assert.match(await refused.innerText(), /取り込めず/);
    await report.getByRole("checkbox", { name: "取り込めなかった行だけを表示" }).check();
    assert.equal(await report.locator("[data-testid=import-row]").count(), 1);
    await assertAccessible(page, "import report");
    await screenshots(page, "import-report");

    // The imported shelters are listed (registration) and drawn on the map by position.
    const first = `${runId}001`;
    await page.locator(`[data-shelter="${first}"]`).waitFor();
    const markers = await page.getByTestId("shelter-map").first().locator("[data-testid=map-marker]").count();
    assert.ok(markers >= 12, `${markers} markers on the map`);
    const shelter = await staffApi("GET", `/api/registration/shelters/${first}`);
    assert.equal(shelter.body.name, "取込テスト避難所1");

    // Opening one shows its age bands (a picture with a table).
    await eventually(async () => ((await staffApi("GET", `/api/stats/shelters/${first}`)).body?.name ? true : undefined));
    await page.reload();
    const details = page.locator(`[data-shelter="${first}"] > details`);
    await details.locator(":scope > summary").click();
    await details.getByTestId("age-band-chart").waitFor();
    await assertAccessible(page, "shelter statistics opened");
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  it("registers, edits and deletes one shelter", async () => {
    const shelterId = uniqueShelterId("adm");
    const page = await adminPage("/staff/shelter-admin", PHONE_360);
    const form = page.getByTestId("new-shelter");
    await form.getByLabel(/^避難所ID/).fill(shelterId);
    await form.getByLabel(/^避難所名/).fill("管理画面テスト会館");
    await form.getByLabel(/^収容人数/).fill("120");
    await form.getByLabel(/^緯度/).fill("35.6895");
    await form.getByLabel(/^経度/).fill("139.6917");
    await form.getByRole("button", { name: "避難所を登録" }).click();
    await page.getByText("避難所「管理画面テスト会館」を登録しました（閉鎖中）。").waitFor();
    const created = await staffApi("GET", `/api/registration/shelters/${shelterId}`);
    assert.equal(created.body.capacity, 120);
    assert.equal(created.body.latitude, 35.6895);

    // The shelter's name is a hidden <span lang="ja"> of the button (not a mixed-language aria-label).
    await page.getByRole("button", { name: /^編集\s*: 管理画面テスト会館$/ }).click();
    const edit = page.getByTestId("edit-shelter");
    await edit.getByLabel(/^収容人数/).fill("150");
    await edit.getByRole("button", { name: "保存" }).click();
    await page.getByText("避難所「管理画面テスト会館」を更新しました。").waitFor();
    assert.equal((await staffApi("GET", `/api/registration/shelters/${shelterId}`)).body.capacity, 150);

    await page.getByRole("button", { name: /^削除\s*: 管理画面テスト会館$/ }).click();
    await confirm(page);
    await page.getByText("避難所「管理画面テスト会館」を削除しました。").waitFor();
    assert.equal((await staffApi("GET", `/api/registration/shelters/${shelterId}`)).status, 404);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });
});

describe("audit log (S10.8)", () => {
  it("downloads the log of a date range as CSV, with progress", async () => {
    const page = await adminPage("/staff/logs");
    await page.getByRole("heading", { level: 1, name: "操作ログ" }).waitFor();
    await assertAccessible(page, "audit log");
    await page.getByLabel(/^終了日/).fill("2000-01-01");
    await page.getByRole("button", { name: "CSVをダウンロード" }).click();
    await page.getByText("終了日は開始日と同じか、それより後にしてください。").waitFor();
    await page.getByLabel(/^終了日/).fill(await page.getByLabel(/^開始日/).inputValue());
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "CSVをダウンロード" }).click()]);
    assert.match(download.suggestedFilename(), /^audit-\d{8}-\d{8}\.csv$/);
    const file = await download.path();
    const csv = readFileSync(file, "utf8");
    assert.ok(csv.includes("admin"), "today's sign-ins of admin are in the log");
    await page.getByText(/を保存しました/).waitFor();
    await screenshots(page, "logs");
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });
});
