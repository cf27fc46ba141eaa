// The kiosk's touch screen (S6): Japanese first, English below; every screen change moves the
// focus to its heading and is announced (aria-live); voice guidance where the browser speaks.
// Issue 6: the page survives a kiosk API that is down (it retries), shows every error in both
// languages, keeps staff controls behind the staff password (checked by the kiosk API), and
// never leaves an evacuee's name or typed digits on the screen for the next person.
"use strict";
const $ = (id) => document.getElementById(id);
const freshFlow = () => ({ purpose: null, era: null, secretKind: "pin", length: 4, digits: "" });
let state = null;
let flow = freshFlow();
let screen = null;
let screenTimer = null;
let bootTimer = null;
let bootDelay = 1000;
let refreshing = null;

/** Screens that go back to the start on their own: the done screen after `done_seconds`, the
 * others after `idle_seconds` without a touch (S6.5; the defaults match config.AppSettings). */
const TIMED = { done: "done_seconds", card: "idle_seconds", era: "idle_seconds", pin: "idle_seconds",
  error: "idle_seconds", unlock: "idle_seconds", settings: "idle_seconds" };
const DEFAULT_SECONDS = { done_seconds: 20, idle_seconds: 60 };
/** Screens only staff see after typing the password again; leaving them locks the kiosk API. */
const STAFF_SCREENS = new Set(["unlock", "settings"]);

/** Fills `element` with "日本語" and an English part of its own (lang=en), without innerHTML. */
function bilingual(element, ja, en, tag = "small") {
  const english = document.createElement(tag);
  english.lang = "en";
  english.textContent = en;
  element.replaceChildren(document.createTextNode(`${ja} `), english);
}

/** A problem (RFC 9457, with title_ja) in both languages. */
function showProblem(element, problem) {
  bilingual(element, problem.title_ja, problem.title);
}

function announce(heading) {
  const status = $("status");
  status.replaceChildren();
  // A fresh copy after a tick, so the same message twice is announced twice; the copy keeps
  // the heading's parts with their own language (the English part is lang=en).
  setTimeout(() => { status.replaceChildren(...[...heading.childNodes].map((n) => n.cloneNode(true))); }, 50);
}

function show(name, spoken) {
  const leaving = screen;
  screen = name;
  document.querySelectorAll(".screen").forEach((s) => { s.hidden = s.id !== `screen-${name}`; });
  // Settings are reachable from the menu only: never from an evacuee's screens (issue 6.2).
  $("to-settings").hidden = !(state && state.signed_in) || name !== "menu";
  if (STAFF_SCREENS.has(leaving) && !STAFF_SCREENS.has(name)) lock();
  const heading = document.querySelector(`#screen-${name} h1`);
  if (heading) {
    heading.focus();
    announce(heading);
  }
  if (spoken) speak(spoken);
  armTimer();
}

function armTimer() {
  clearTimeout(screenTimer);
  screenTimer = null;
  const key = TIMED[screen];
  if (!key) return;
  const configured = state && state.settings ? Number(state.settings[key]) : NaN;
  const seconds = configured > 0 ? configured : DEFAULT_SECONDS[key];
  screenTimer = setTimeout(home, seconds * 1000);
}

function speak(text) {
  if (!state || !state.settings.voice || !("speechSynthesis" in window)) return;
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = "ja-JP";
  window.speechSynthesis.cancel();
  window.speechSynthesis.speak(utterance);
}

/** The kiosk API. Throws a problem that always has `title_ja` and `title` (issue 6.1). */
async function api(method, path, body) {
  let res;
  try {
    res = await fetch(`/api${path}`, {
      method, credentials: "same-origin",
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw { status: 0, title_ja: "キオスクの内部サービスに接続できません", title: "The kiosk service is not reachable" };
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const problem = data && typeof data === "object" ? data : {};
    const text = (value) => (typeof value === "string" && value.trim() ? value : null);
    throw { ...problem, status: res.status,
      title_ja: text(problem.title_ja) || `エラーが発生しました（${res.status}）`,
      title: text(problem.title) || `Something went wrong (${res.status})` };
  }
  return data;
}

async function refresh() {
  // One request at a time: the 5 s poll and the buttons' refreshes share it.
  refreshing ??= (async () => {
    try {
      const fresh = await api("GET", "/state");
      if (!fresh || !fresh.settings) {
        throw { title_ja: "キオスクの状態を読めません", title: "The kiosk state could not be read" };
      }
      state = fresh;
    } finally {
      refreshing = null;
    }
  })();
  await refreshing;
  $("shelter-name").textContent = state.settings.shelter_name || state.shelter_id;
  bilingual($("reader-state"), state.reader_ready ? "カードリーダー準備完了" : "カードリーダー未接続",
    state.reader_ready ? "Reader ready" : "No card reader");
  $("reader-state").classList.toggle("warn", !state.reader_ready);
  $("simulator").hidden = !state.simulator;
  if (state.simulator) {
    if (state.card_present) bilingual($("sim-state"), "カードが置かれています", "A card is on the reader");
    else bilingual($("sim-state"), "カードはありません", "No card on the reader");
  }
  // Signed out elsewhere (the close notice): evacuee screens make no sense any more.
  if (!state.signed_in && screen && screen !== "login" && screen !== "error") home();
}

/** Forgets the last evacuee: the name on the done screen, the typed digits, the messages. */
function forgetEvacuee() {
  flow = freshFlow();
  $("done-name").textContent = "";
  $("done-title").replaceChildren();
  $("pin-error").replaceChildren();
  drawDots();
  $("unlock-form").reset();
  $("unlock-error").replaceChildren();
  if ("speechSynthesis" in window) window.speechSynthesis.cancel();
}

function home() {
  forgetEvacuee();
  if (!state) {
    showBootProblem(null);
    return retryBoot(0);
  }
  if (!state.signed_in) return show("login");
  show("menu", "入所か退所を選んでください");
}

function askSecret(kind) {
  flow.secretKind = kind === "pin" ? "pin" : "verification_b";
  flow.length = kind === "pin" ? 4 : 14;
  flow.digits = "";
  if (kind === "pin") bilingual($("pin-title"), "暗証番号(4桁)を入力してください", "Enter your 4-digit PIN");
  else bilingual($("pin-title"), "照合番号B(14桁)を入力してください", "Enter verification number B (14 digits)");
  if (kind === "pin") $("pin-hint").replaceChildren();
  else if (flow.era === "wareki") bilingual($("pin-hint"), "和暦の生年月日(年2桁・月・日) + 有効期限の年(西暦4桁) + セキュリティコード4桁",
    "Birth date as printed in the era (YYMMDD) + expiry year + security code");
  else bilingual($("pin-hint"), "西暦の生年月日(下2桁・月・日) + 有効期限の年(4桁) + セキュリティコード4桁",
    "Birth date YYMMDD + expiry year + security code");
  $("pin-error").replaceChildren();
  $("use-b").hidden = kind !== "pin";
  drawDots();
  show("pin", kind === "pin" ? "暗証番号を入力してください" : "照合番号を入力してください");
}

function drawDots() {
  $("pin-dots").textContent = "●".repeat(flow.digits.length) + "○".repeat(flow.length - flow.digits.length);
  bilingual($("pin-count"), `${flow.length}桁中${flow.digits.length}桁入力済み`,
    `${flow.digits.length} of ${flow.length} digits entered`, "span");
}

async function readCard() {
  show("reading", "読み取り中です。カードを動かさないでください");
  const purpose = flow.purpose;
  try {
    const done = await api("POST", "/card-reads", { purpose, secret_kind: flow.secretKind, digits: flow.digits });
    flow.digits = "";
    if (purpose === "check_in") bilingual($("done-title"), "入所を受け付けました", "You are checked in");
    else bilingual($("done-title"), "退所を受け付けました", "You are checked out");
    $("done-name").textContent = `${done.family_name} ${done.given_name} 様`;
    show("done", `${purpose === "check_in" ? "入所" : "退所"}を受け付けました。カードをお取りください`);
  } catch (problem) {
    flow.digits = "";
    if (problem.tries_left !== undefined) {
      drawDots();
      show("pin");
      // role=alert: read out at once, Japanese first (the title_ja names the tries left).
      showProblem($("pin-error"), problem);
      speak(problem.title_ja);
      return;
    }
    $("error-title").textContent = problem.title_ja;
    $("error-title-en").textContent = problem.title;
    $("error-retry").hidden = true;
    show("error", problem.title_ja);
  } finally {
    await refresh().catch(() => {});
  }
}

function keyButton(visible, ja, en) {
  const button = document.createElement("button");
  button.type = "button";
  if (!ja) {
    button.textContent = visible;
    return button;
  }
  // The visible sign is hidden from screen readers; they read "日本語 English", each part in
  // its own language (issue 6.5).
  const sign = document.createElement("span");
  sign.setAttribute("aria-hidden", "true");
  sign.textContent = visible;
  const spoken = document.createElement("span");
  spoken.className = "visually-hidden";
  bilingual(spoken, ja, en, "span");
  button.append(sign, spoken);
  return button;
}

function buildKeypad() {
  const keys = [["1"], ["2"], ["3"], ["4"], ["5"], ["6"], ["7"], ["8"], ["9"],
    ["消", "1文字消す", "Delete"], ["0"], ["OK", "決定", "OK"]];
  for (const [key, ja, en] of keys) {
    const button = keyButton(key, ja, en);
    if (key === "OK") button.classList.add("ok");
    button.addEventListener("click", () => {
      if (key === "消") flow.digits = flow.digits.slice(0, -1);
      else if (key === "OK") {
        if (flow.digits.length === flow.length) readCard();
        else bilingual($("pin-error"), `${flow.length}桁を入力してください`, `Enter ${flow.length} digits`);
        return;
      } else if (flow.digits.length < flow.length) flow.digits += key;
      drawDots();
    });
    $("keypad").appendChild(button);
  }
}

function lock() {
  api("DELETE", "/staff-unlock").catch(() => {});
}

function openSettings() {
  const form = $("settings-form");
  const s = state.settings;
  form.shelter_name.value = s.shelter_name; form.api_base_url.value = s.api_base_url;
  form.voice.checked = s.voice; form.era_screen.checked = s.era_screen;
  form.done_seconds.value = s.done_seconds ?? DEFAULT_SECONDS.done_seconds;
  form.idle_seconds.value = s.idle_seconds ?? DEFAULT_SECONDS.idle_seconds;
  $("settings-status").replaceChildren();
  show("settings");
}

function wire() {
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    $("login-error").replaceChildren();
    try {
      await api("POST", "/session", { user_id: f.get("user_id"), password: f.get("password") });
      e.target.reset(); await refresh(); home();
    } catch (p) { showProblem($("login-error"), p); }
  });
  document.querySelectorAll("[data-purpose]").forEach((b) => b.addEventListener("click", () => {
    flow.purpose = b.dataset.purpose;
    show("card", "カードをリーダーに置いてください");
  }));
  $("card-ok").addEventListener("click", () => {
    if (state.settings.era_screen) show("era", "カードの生年月日の表記を選んでください"); else askSecret("pin");
  });
  document.querySelectorAll("[data-era]").forEach((b) => b.addEventListener("click", () => {
    flow.era = b.dataset.era;
    askSecret("pin");
  }));
  $("use-b").addEventListener("click", () => askSecret("verification_b"));
  document.querySelectorAll("[data-home]").forEach((b) => b.addEventListener("click", home));
  // Staff type their password again; the kiosk API checks it and unlocks for a few minutes.
  $("to-settings").addEventListener("click", () => {
    $("unlock-form").reset();
    $("unlock-error").replaceChildren();
    show("unlock");
  });
  $("unlock-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    $("unlock-error").replaceChildren();
    try {
      await api("POST", "/staff-unlock", { user_id: f.get("user_id"), password: f.get("password") });
      e.target.reset(); await refresh(); openSettings();
    } catch (p) { showProblem($("unlock-error"), p); }
  });
  $("settings-form").addEventListener("submit", async (e) => {
    e.preventDefault(); const f = e.target;
    try {
      await api("PUT", "/settings", { shelter_name: f.shelter_name.value, api_base_url: f.api_base_url.value,
        voice: f.voice.checked, era_screen: f.era_screen.checked,
        done_seconds: Number(f.done_seconds.value), idle_seconds: Number(f.idle_seconds.value) });
      await refresh(); bilingual($("settings-status"), "保存しました", "Saved");
    } catch (p) { showProblem($("settings-status"), p); }
  });
  const notice = (kind) => async () => {
    try {
      await api("POST", `/notices/${kind}`);
      bilingual($("settings-status"), "送信しました", "Sent");
      await refresh().catch(() => {});
      if (kind === "close") home();
    } catch (p) { showProblem($("settings-status"), p); }
  };
  $("notice-open").addEventListener("click", notice("open"));
  $("notice-close").addEventListener("click", notice("close"));
  $("sign-out").addEventListener("click", async () => {
    try { await api("DELETE", "/session"); }
    catch (p) { showProblem($("settings-status"), p); return; }
    await refresh().catch(() => {});
    home();
  });
  const simulate = (method) => async () => {
    try { await api(method, "/simulator/card", method === "PUT" ? { pin: "1234" } : undefined); }
    catch (p) { showProblem($("sim-state"), p); return; }
    await refresh().catch(() => {});
  };
  $("sim-place").addEventListener("click", simulate("PUT"));
  $("sim-remove").addEventListener("click", simulate("DELETE"));
  // A touch or a key keeps an idle screen open; the done screen goes away on time regardless.
  for (const type of ["pointerdown", "keydown"]) {
    document.addEventListener(type, () => { if (screen !== "done") armTimer(); }, true);
  }
}

function showBootProblem(problem) {
  $("error-title").textContent = problem ? problem.title_ja : "キオスクに接続しています";
  $("error-title-en").textContent = problem ? problem.title : "Connecting to the kiosk";
  $("error-retry").hidden = false;
  if (screen !== "error") show("error");
}

function retryBoot(delay) {
  clearTimeout(bootTimer);
  bootTimer = setTimeout(boot, delay);
}

/** Until the kiosk API answers: the error screen, retried with a growing pause (1 s .. 30 s). */
async function boot() {
  try {
    await refresh();
  } catch (problem) {
    showBootProblem(problem);
    retryBoot(bootDelay);
    bootDelay = Math.min(bootDelay * 2, 30_000);
    return;
  }
  bootDelay = 1000;
  home();
}

document.addEventListener("DOMContentLoaded", () => {
  buildKeypad();
  wire();
  setInterval(() => { if (state) refresh().catch(() => {}); }, 5000);
  boot();
});
