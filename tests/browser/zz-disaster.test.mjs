// The disaster-closed screen (災害収束, S10.3, S13.1; issue 5) against the real stack through
// nginx: an administrator saves the disaster's file (a ZIP), types 災害収束, confirms, and
// the page shows every service's deletion confirmed; the roster is empty afterwards.
//
// Named zz- so it runs LAST in the suite: closing the disaster deletes the personal data of the
// whole stack (every other test's too). It first closes every open shelter through the API.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  BASE_URL,
  DESKTOP,
  PHONE,
  api,
  createOpenShelter,
  eventually,
  launch,
  pageErrors,
  screenshot,
  seriousViolations,
  staffApi,
} from "./support.mjs";

const PHONE_360 = { ...PHONE, viewport: { width: 360, height: 740 } };

function adminPassword() {
  if (process.env.ADMIN_PASSWORD) return process.env.ADMIN_PASSWORD;
  const stackDir = process.env.STACK_DIR ?? path.resolve(import.meta.dirname, "..", "..", ".stack", "test");
  return readFileSync(path.join(stackDir, "admin-password"), "utf8").trim();
}

async function assertAccessible(page, what) {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${what}: ${JSON.stringify(violations, null, 2)}`);
}

/** One state of the screen at 360 px and at desktop width. */
async function screenshots(page, name) {
  await page.setViewportSize(PHONE_360.viewport);
  await screenshot(page, `disaster-${name}-phone`);
  await page.setViewportSize(DESKTOP.viewport);
  await screenshot(page, `disaster-${name}-desktop`);
}

/** Every shelter of the stack, all pages. */
async function allShelters() {
  const items = [];
  for (let offset = 0; ; ) {
    const listed = await staffApi("GET", `/api/registration/shelters?limit=500&offset=${offset}`);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    items.push(...listed.body.items);
    offset += listed.body.items.length;
    if (listed.body.items.length === 0 || offset >= listed.body.total) return items;
  }
}

async function closeShelter(shelterId) {
  const closed = await staffApi("POST", `/api/registration/shelters/${encodeURIComponent(shelterId)}/close`);
  assert.equal(closed.status, 200, `closing ${shelterId}: ${JSON.stringify(closed.body)}`);
}

/** The names in a ZIP's central directory (stored uncompressed): enough to see the file is whole. */
function zipEntryNames(bytes) {
  const names = [];
  for (let at = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at !== -1; at = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)) {
    const nameLength = bytes.readUInt16LE(at + 28);
    names.push(bytes.subarray(at + 46, at + 46 + nameLength).toString("utf8"));
  }
  return names;
}

/** Step 1 on the page: the file is saved, it is a whole ZIP, and the page says so. */
async function saveFile(page) {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "ファイルを保存" }).click()]);
  assert.match(download.suggestedFilename(), /^disaster-\d{8}-\d{6}\.zip$/);
  const saved = path.join(downloadDir, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(saved);
  const bytes = await readFile(saved);
  assert.deepEqual([...bytes.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], "a ZIP file");
  assert.deepEqual(zipEntryNames(bytes).sort(), ["roster-training.csv", "roster.csv", "shelters.csv"]);
  await page.getByText(/disaster-\d{8}-\d{6}\.zip（.+）を保存しました。/).waitFor();
}

let browser;
let shelterId;
let downloadDir;
const families = ["さいがいいち", "さいがいに"];

before(async () => {
  browser = await launch();
  downloadDir = await mkdtemp(path.join(tmpdir(), "disaster-download-"));
  // Two check-ins through the public API, into a shelter of this test.
  shelterId = await createOpenShelter("災害収束テスト小学校");
  for (const family of families) {
    const checkedIn = await api("POST", `/api/registration/shelters/${shelterId}/check-ins`, {
      personal: { family_name: family, given_name: "はなこ", address: "東京都千代田区千代田1-1", date_of_birth: "1950-04-01", sex: "female" },
      consent: true,
    });
    assert.equal(checkedIn.status, 201, JSON.stringify(checkedIn.body));
  }
  // The roster learns of them through Kafka.
  await eventually(async () => {
    const roster = await staffApi("GET", `/api/roster/shelters/${shelterId}/entries?limit=10`);
    return roster.status === 200 && roster.body.total === 2 ? true : undefined;
  });
});

after(async () => {
  await browser?.close();
  if (downloadDir !== undefined) await rm(downloadDir, { recursive: true, force: true });
});

describe("disaster closed (災害収束, S10.3)", () => {
  it("saves the file, closes the disaster, and shows every service's deletion confirmed", async () => {
    const page = await browser.newPage({ ...DESKTOP, acceptDownloads: true });
    await page.goto(`${BASE_URL}/staff`);
    await page.getByLabel(/^ユーザーID/).fill("admin", { timeout: 30_000 });
    await page.getByLabel(/^パスワード/).fill(adminPassword());
    await page.getByRole("button", { name: "ログイン", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "ホーム" }).waitFor({ timeout: 30_000 });

    // Linked from the home page (and the shelter list).
    await page.getByTestId("to-disaster").click();
    await page.getByRole("heading", { level: 1, name: "災害収束" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/staff/disaster");

    // Before the download: step 2 is locked; our shelter is listed as open.
    const phrase = page.getByLabel(/^確認のため「災害収束」と入力してください/);
    assert.equal(await phrase.isDisabled(), true, "the phrase is locked until the file is saved");
    const openList = page.getByTestId("disaster-open-shelters");
    await openList.waitFor();
    assert.match(await openList.textContent(), /災害収束テスト小学校/);
    assert.equal(await openList.getByRole("link", { name: "避難所一覧で閉鎖する" }).getAttribute("href"), "/staff/shelters");
    await assertAccessible(page, "before the download, shelters open");
    await screenshots(page, "1-start");

    // Step 1 (while our shelter is still open): the ZIP arrives, with the roster, the summary and the training roster.
    await saveFile(page);
    assert.equal(await phrase.isDisabled(), false, "step 2 opens after the download");

    // With a shelter still open, registration refuses (409 shelters-open): the page says which,
    // and step 2 locks again, since the file must be saved after the last shelter closed.
    await phrase.fill("災害収束");
    await page.getByRole("button", { name: "災害収束する" }).click();
    let dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await assertAccessible(page, "confirm dialog");
    await screenshots(page, "2-confirm");
    await dialog.getByRole("button", { name: "はい、実行します" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    assert.match(await alert.textContent(), /開設中の避難所があります/);
    assert.match(await alert.textContent(), /Close every shelter before closing the disaster/);
    assert.match(await openList.textContent(), new RegExp(shelterId));
    await page.getByTestId("disaster-locked").waitFor();
    assert.equal(await phrase.isDisabled(), true, "a new download is needed");
    await assertAccessible(page, "shelters-open problem");
    await screenshots(page, "3-shelters-open");

    // Close every open shelter of the stack (other tests' too), check again, save the file again.
    for (const shelter of await allShelters()) if (shelter.is_open) await closeShelter(shelter.shelter_id);
    await page.getByRole("button", { name: "もう一度確かめる" }).click();
    await page.getByTestId("disaster-no-open").waitFor();
    await saveFile(page);
    assert.equal(await phrase.isDisabled(), false, "step 2 opens after the new download");

    // A wrong phrase is refused in the page, without a call.
    await phrase.fill("災害");
    await page.getByRole("button", { name: "災害収束する" }).click();
    await page.getByText("「災害収束」と入力してください。").first().waitFor();
    assert.equal(await page.getByRole("dialog").count(), 0);
    await assertAccessible(page, "wrong phrase");

    // Step 2 for real (the page tries again while the roster's report of the download travels).
    await phrase.fill("災害収束");
    await page.getByRole("button", { name: "災害収束する" }).click();
    dialog = page.getByRole("dialog");
    await dialog.waitFor();
    const [closed] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith("/api/registration/disaster/close") && response.status() === 202, { timeout: 30_000 }),
      dialog.getByRole("button", { name: "はい、実行します" }).click(),
    ]);
    const closureId = (await closed.json()).closure_id;
    // This closure's status (a stack closed before shows its earlier one until the page reads again).
    await page.locator(`[data-testid="disaster-closed-at"][data-closure-id="${closureId}"]`).waitFor({ timeout: 30_000 });

    // Step 3: polled until every service confirmed, announced in a status region.
    const summary = page.getByTestId("disaster-summary");
    await page.getByText("すべてのサービスで個人情報の削除を確認しました。").waitFor({ timeout: 60_000 });
    assert.equal(await summary.getAttribute("role"), "status");
    const rows = page.getByTestId("disaster-services").locator("li");
    const states = await rows.evaluateAll((items) => items.map((li) => [li.dataset.service, li.dataset.deletion]));
    assert.deepEqual(Object.fromEntries(states), {
      registration: "confirmed",
      roster: "confirmed",
      stats: "not_applicable",
      integration: "not_applicable",
      auth: "not_applicable",
    });
    assert.match(await page.getByTestId("disaster-closed-at").textContent(), /admin/);
    await assertAccessible(page, "deletion confirmed");
    await screenshots(page, "4-complete");

    // The same through the API, and the roster is empty: in the API and on the roster page.
    const status = await staffApi("GET", "/api/registration/disaster/status");
    assert.equal(status.status, 200);
    assert.equal(status.body.complete, true);
    assert.equal(status.body.closure.closure_id, closureId);
    const roster = await staffApi("GET", `/api/roster/shelters/${shelterId}/entries?limit=10`);
    assert.equal(roster.status, 200);
    assert.equal(roster.body.total, 0);
    const all = await staffApi("GET", "/api/roster/entries?limit=10");
    assert.equal(all.body.total, 0);
    await page.goto(`${BASE_URL}/staff/roster/${encodeURIComponent(shelterId)}`);
    await page.getByText("該当する避難者はいません。").first().waitFor({ timeout: 30_000 });
    for (const family of families) assert.equal(await page.getByText(family).count(), 0);

    // The shelter list links here too (administrators).
    await page.goto(`${BASE_URL}/staff/shelters`);
    assert.equal(await page.getByTestId("to-disaster").getAttribute("href"), "/staff/disaster");

    // A reload of the screen shows the closure and its confirmed status again.
    await page.goto(`${BASE_URL}/staff/disaster`);
    await page.getByText("すべてのサービスで個人情報の削除を確認しました。").waitFor({ timeout: 30_000 });
    await assertAccessible(page, "after a reload");
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });
});
