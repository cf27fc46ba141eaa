// Shared set-up of the browser tests (issue 5): Debian's Chromium driven by playwright-core,
// the real stack behind BASE_URL, and axe-core injected into the page.
import { createRequire } from "node:module";
import { readFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// The packages live in web/node_modules (web/package.json); these tests live beside the other tiers.
const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../web");
const requireFromWeb = createRequire(path.join(webDir, "package.json"));
const { chromium } = requireFromWeb("playwright-core");
const AXE_SOURCE = readFileSync(requireFromWeb.resolve("axe-core/axe.min.js"), "utf8");

/** BASE_URL, else the gateway of the stack `deploy/local/stack.sh with NAME --` started, else the test stack's. */
export const BASE_URL = (
  process.env.BASE_URL ??
  (process.env.STACK_GATEWAY_PORT ? `http://127.0.0.1:${process.env.STACK_GATEWAY_PORT}` : "http://127.0.0.1:18080")
).replace(/\/$/, "");
/** The stack's kiosk page (edge/kiosk, bound to the stack's demo shelter): KIOSK_URL, else the stack's KIOSK_PORT. */
export const KIOSK_URL = (
  process.env.KIOSK_URL ??
  (process.env.STACK_KIOSK_PORT ? `http://127.0.0.1:${process.env.STACK_KIOSK_PORT}` : "http://127.0.0.1:18110")
).replace(/\/$/, "");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Screenshots of the main screens, kept as CI artifacts (never committed). */
export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? path.resolve(webDir, "..", ".stack", "browser-screenshots");

/** The flags this machine needs (closed network, root, no GPU): see the machine notes. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

/** A small phone (320 x 640 CSS px, touch) and a desktop, in Japan. */
export const PHONE = { viewport: { width: 320, height: 640 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };

/**
 * Starts Chromium (Playwright gives every launch a fresh, temporary profile). Each `newPage`
 * gets a context of its own, so no storage leaks from one test into the next. The page records
 * script errors and refused loads (a CSP violation shows up there); `pageErrors` reads them.
 */
export async function launch() {
  await assertGatewayServesTheApp();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return {
    async newPage(device = PHONE) {
      const context = await browser.newContext({ ...device, locale: "ja-JP", timezoneId: "Asia/Tokyo" });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const errors = [];
      page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
      page.on("console", (message) => {
        // A refused API call (404 for an unknown shelter) is logged by Chromium; it is expected.
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
          errors.push(`console: ${message.text()}`);
        }
      });
      pageErrorLog.set(page, errors);
      // Closing the page ends its context; when the whole browser is closing, that is already done.
      page.on("close", () => void context.close().catch(() => {}));
      return page;
    },
    async close() {
      await browser.close();
    },
  };
}

const pageErrorLog = new WeakMap();

/** Fails early, with the fix, when BASE_URL is down or serves something other than web/dist. */
async function assertGatewayServesTheApp() {
  let html;
  try {
    html = await (await fetch(`${BASE_URL}/checkin/probe`)).text();
  } catch (error) {
    throw new Error(`${BASE_URL} does not answer (${error.cause?.code ?? error.message}): start the test stack (deploy/local/stack.sh up test)`);
  }
  if (!html.includes('<div id="app">') || !html.includes("/assets/")) {
    throw new Error(
      `${BASE_URL}/checkin/probe is not the built app: run \`npm run build\` in web/ ` +
        "(a stack started before the first build serves web/public: restart it)",
    );
  }
}

/** What went wrong in the page's own scripts (uncaught errors, CSP refusals). */
export function pageErrors(page) {
  return pageErrorLog.get(page) ?? [];
}

/** A shelter id no other test run uses (pattern of ShelterCreate.shelter_id). */
export function uniqueShelterId(prefix = "web") {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Calls the stack through the gateway. `token`: a bearer token for the staff endpoints
 * (`adminToken()`); the smartphone endpoints are public and take none.
 */
export async function api(method, pathname, body, token) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${BASE_URL}${pathname}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, body: json };
}

/**
 * The stack's first administrator's password: ADMIN_PASSWORD, else `$STACK_DIR/admin-password`
 * (STACK_DIR is set by `deploy/local/stack.sh with NAME --`), else the test stack's file.
 */
function adminPassword() {
  if (process.env.ADMIN_PASSWORD) return process.env.ADMIN_PASSWORD;
  const stackDir = process.env.STACK_DIR ?? path.resolve(webDir, "..", ".stack", "test");
  const file = path.join(stackDir, "admin-password");
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    throw new Error(`cannot read the administrator's password from ${file} (${error.code ?? error.message}): ` +
      "set STACK_DIR to the stack's folder or ADMIN_PASSWORD");
  }
}

let adminTokenPromise;

/** Signs in once as the stack's first administrator (POST /api/auth/sign-in); the token is cached. */
export function adminToken() {
  adminTokenPromise ??= (async () => {
    const signedIn = await api("POST", "/api/auth/sign-in", { user_id: "admin", password: adminPassword() });
    if (signedIn.status !== 200 || typeof signedIn.body?.access_token !== "string") {
      throw new Error(`signing in as admin: ${signedIn.status} ${JSON.stringify(signedIn.body)}`);
    }
    return signedIn.body.access_token;
  })();
  // A failed sign-in is not cached, so the next test tries again (and reports its own error).
  adminTokenPromise.catch(() => {
    adminTokenPromise = undefined;
  });
  return adminTokenPromise;
}

/** A staff call: `api()` with the administrator's token. */
export async function staffApi(method, pathname, body) {
  return api(method, pathname, body, await adminToken());
}

/** Creates a shelter through the registration API as the administrator; it starts closed. */
export async function createShelter(name = "ブラウザテスト小学校", shelterId = uniqueShelterId()) {
  const created = await staffApi("POST", "/api/registration/shelters", { shelter_id: shelterId, name, capacity: 100 });
  if (created.status !== 201) throw new Error(`creating ${shelterId}: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

/** Creates a shelter through the registration API and opens it, both as the administrator. */
export async function createOpenShelter(name = "ブラウザテスト小学校") {
  const shelter = await createShelter(name);
  const shelterId = shelter.shelter_id;
  if (shelter.is_open === false) {
    const opened = await staffApi("POST", `/api/registration/shelters/${shelterId}/open`);
    if (opened.status !== 200) throw new Error(`opening ${shelterId}: ${opened.status} ${JSON.stringify(opened.body)}`);
  }
  return shelterId;
}

/** Polls until `probe` returns something other than undefined (read models are eventually consistent). */
export async function eventually(probe, { timeoutMs = 20_000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until the element has the keyboard focus (focus moves in the app's layout effects). */
export async function waitForFocus(locator, message) {
  const handle = await locator.elementHandle();
  try {
    await locator.page().waitForFunction((element) => element === document.activeElement, handle, { timeout: 5_000 });
  } catch {
    throw new Error(`${message}: the focus is on ${await locator.page().evaluate(() => document.activeElement?.outerHTML.slice(0, 80))}`);
  }
}

/** axe-core run in the page; returns the serious and critical violations only. */
export async function seriousViolations(page) {
  // Evaluated through the DevTools protocol, so the gateway's CSP (no inline scripts) allows it.
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return await window.axe.run(document, { resultTypes: ["violations"] });
  });
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => node.target.join(" ")).slice(0, 5),
    }));
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** The Japanese labels of the check-in form (web/src/i18n/public/ja.ts). */
export const LABELS = {
  familyName: /^姓（みょうじ）/,
  givenName: /^名（なまえ）/,
  address: /^住所/,
  phone: /^電話番号/,
  consent: /個人情報の取り扱いに同意します/,
};

/**
 * Fills the check-in form the way a person would on a phone: typing into each field in turn,
 * Space on radios and checkboxes, and the three date selects (S16.2).
 */
export async function fillCheckInForm(page, person = {}) {
  const {
    familyName = "山田",
    givenName = "花子",
    year = "1950",
    month = "4",
    day = "1",
    address = "東京都千代田区千代田1-1",
    phone = "090-1234-5678",
  } = person;
  const type = async (label, text) => {
    await page.getByLabel(label).focus();
    await page.keyboard.type(text);
  };
  await type(LABELS.familyName, familyName);
  await type(LABELS.givenName, givenName);
  await page.getByRole("radio", { name: "女性" }).focus();
  await page.keyboard.press("Space");
  await page.getByLabel("年", { exact: true }).selectOption(year);
  await page.getByLabel("月", { exact: true }).selectOption(month);
  await page.getByLabel("日", { exact: true }).selectOption(day);
  await type(LABELS.address, address);
  await type(LABELS.phone, phone);
  await page.getByRole("checkbox", { name: LABELS.consent }).focus();
  await page.keyboard.press("Space");
}
