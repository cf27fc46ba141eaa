import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LanguageProvider } from "../../i18n/context";
import type { Lang } from "../../i18n/languages";
import { rememberStay, storedStay } from "../stays";
import { CheckInPage } from "./CheckInPage";

const SHELTER = {
  shelter_id: "13101-0001",
  name: "千代田小学校",
  capacity: 200,
  address: "",
  shelter_type: "designated",
  latitude: null,
  longitude: null,
  open_data_id: null,
  municipality_code: null,
  is_open: true,
  opened_at: null,
  opened_by: null,
  closed_at: null,
  closed_by: null,
  training: false,
  version: 1,
  check_in_url: "/checkin/13101-0001",
};

const STAY_ID = "0b9f3c2e-1111-4222-8333-444455556666";

/** The public check-in's refusal of a person already here: no `stay_id` (issue 4). */
const ALREADY_CHECKED_IN = {
  type: "https://shelter-checkin.example/problems/already-checked-in",
  title: "This person is already checked in at this shelter",
  title_ja: "この方はすでにこの避難所に入所しています",
  status: 409,
};

type Handler = (request: Request) => Response | Promise<Response>;

function json(status: number, body: unknown, type = "application/json"): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": type } });
}

/** A fake gateway: the routes the page calls, and a log of what it sent. */
function fakeApi(overrides: Record<string, Handler> = {}) {
  const sent: { method: string; path: string; body: unknown }[] = [];
  const routes: Record<string, Handler> = {
    "GET /api/registration/shelters/13101-0001": () => json(200, SHELTER),
    "GET /api/registration/settings/status-items": () => json(200, { items: ["要介護", "妊娠中"] }),
    "POST /api/registration/shelters/13101-0001/check-ins": () =>
      json(201, { stay_id: STAY_ID, shelter_id: "13101-0001", channel: 3, checked_in_at: "2026-11-25T07:00:00Z", training: false }),
    ...overrides,
  };
  vi.stubGlobal("fetch", async (request: Request) => {
    const path = new URL(request.url).pathname;
    const key = `${request.method} ${path}`;
    const text = await request.text();
    sent.push({ method: request.method, path, body: text === "" ? undefined : JSON.parse(text) });
    const handler = routes[key];
    return handler === undefined ? json(404, { title: "Not Found" }) : handler(request);
  });
  return sent;
}

function renderPage(lang: Lang = "ja", shelterId = "13101-0001") {
  return render(
    <LanguageProvider lang={lang}>
      <CheckInPage shelterId={shelterId} />
    </LanguageProvider>,
  );
}

function fillMinimum() {
  fireEvent.input(screen.getByLabelText(/姓（みょうじ）/), { target: { value: "山田" } });
  fireEvent.input(screen.getByLabelText(/名（なまえ）/), { target: { value: "花子" } });
  fireEvent.click(screen.getByLabelText("女性"));
  fireEvent.change(screen.getByLabelText("年"), { target: { value: "1950" } });
  fireEvent.change(screen.getByLabelText("月"), { target: { value: "4" } });
  fireEvent.change(screen.getByLabelText("日"), { target: { value: "1" } });
  fireEvent.input(screen.getByLabelText(/^住所/), { target: { value: "東京都千代田区千代田1-1" } });
  fireEvent.click(screen.getByLabelText(/個人情報の取り扱いに同意します/));
}

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

// S16.2: the smartphone registration form, its confirm page and its errors.
describe("CheckInPage", () => {
  it("shows the shelter and the status items from the API", async () => {
    fakeApi();
    renderPage();
    expect(await screen.findByText("千代田小学校")).toBeTruthy();
    expect(await screen.findByLabelText("妊娠中")).toBeTruthy();
  });

  it("marks missing required fields in Japanese before sending anything", async () => {
    const sent = fakeApi();
    renderPage();
    await screen.findByText("千代田小学校");
    fireEvent.click(screen.getByRole("button", { name: "確認へ進む" }));
    const familyName = screen.getByLabelText(/姓（みょうじ）/);
    expect(familyName.getAttribute("aria-invalid")).toBe("true");
    const described = familyName.getAttribute("aria-describedby") ?? "";
    expect(document.getElementById(described.split(" ")[0]!)?.textContent).toContain("姓（みょうじ）を入力してください。");
    expect(screen.getByRole("alert").textContent).toContain("入力内容を確認してください（6件）");
    // A radio cannot be invalid (WAI-ARIA 1.2); its group can.
    const sex = screen.getByRole("radiogroup", { name: /性別/ });
    expect(sex.getAttribute("aria-invalid")).toBe("true");
    expect(sex.getAttribute("aria-describedby")).toBe("sex-error");
    expect(sent.filter((request) => request.method === "POST")).toEqual([]);
  });

  it("confirms, submits the API's body and remembers the stay for check-out", async () => {
    const sent = fakeApi();
    renderPage();
    await screen.findByText("千代田小学校");
    fillMinimum();
    fireEvent.click(screen.getByLabelText("要介護"));
    fireEvent.click(screen.getByRole("button", { name: "確認へ進む" }));
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("入力内容の確認");
    expect(screen.getByText("1950年4月1日（昭和25年）")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "この内容で登録する" }));
    await screen.findByText("受付が完了しました");
    expect(screen.getByTestId("stay-reference").textContent).toBe("0B9F3C2E");
    const post = sent.find((request) => request.method === "POST");
    expect(post?.body).toEqual({
      personal: {
        family_name: "山田",
        given_name: "花子",
        family_name_kana: null,
        given_name_kana: null,
        sex: "female",
        date_of_birth: "1950-04-01",
        address: "東京都千代田区千代田1-1",
        phone: null,
        email: null,
      },
      statuses: ["要介護"],
      message: null,
      consent: true,
    });
    expect(storedStay(localStorage, "13101-0001")?.stayId).toBe(STAY_ID);
  });

  it("puts the API's invalid-params next to the fields, with the problem's Japanese title", async () => {
    fakeApi({
      "POST /api/registration/shelters/13101-0001/check-ins": () =>
        json(
          422,
          {
            type: "https://shelter-checkin.example/problems/validation-error",
            title: "Some fields are missing or invalid",
            title_ja: "入力内容に誤りがあります",
            status: 422,
            "invalid-params": [{ name: "personal.address", reason: "String should have at most 200 characters" }],
          },
          "application/problem+json",
        ),
    });
    renderPage();
    await screen.findByText("千代田小学校");
    fillMinimum();
    fireEvent.click(screen.getByRole("button", { name: "確認へ進む" }));
    fireEvent.click(screen.getByRole("button", { name: "この内容で登録する" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("入力内容に誤りがあります"));
    const address = screen.getByLabelText(/^住所/);
    expect(address.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById("address-error")?.textContent).toContain("この項目を確認してください。");
  });

  it("shows the problem's title for a shelter the API does not know", async () => {
    fakeApi({
      "GET /api/registration/shelters/nowhere": () =>
        json(404, { type: "https://shelter-checkin.example/problems/unknown-shelter", title: "No shelter has this id", title_ja: "この避難所は登録されていません", status: 404 }, "application/problem+json"),
    });
    renderPage("ja", "nowhere");
    expect((await screen.findByTestId("shelter-problem")).textContent).toBe("この避難所は登録されていません");
    expect(screen.queryByRole("button", { name: "確認へ進む" })).toBeNull();
  });

  it("shows the English title to English readers", async () => {
    fakeApi({
      "GET /api/registration/shelters/nowhere": () => json(404, { title: "No shelter has this id", title_ja: "この避難所は登録されていません", status: 404 }),
    });
    renderPage("en", "nowhere");
    expect((await screen.findByTestId("shelter-problem")).textContent).toBe("No shelter has this id");
  });

  it("says when the shelter is closed or in training mode (S13.1)", async () => {
    fakeApi({ "GET /api/registration/shelters/13101-0001": () => json(200, { ...SHELTER, is_open: false, training: true }) });
    renderPage();
    expect(await screen.findByText(/この避難所は、いまは開設されていません。/)).toBeTruthy();
    expect(screen.getByText("訓練モードです。この受付は訓練として記録されます。")).toBeTruthy();
  });

  it("falls back to the built-in status items when the settings do not answer", async () => {
    fakeApi({ "GET /api/registration/settings/status-items": () => new Response("bad gateway", { status: 502 }) });
    renderPage();
    expect(await screen.findByLabelText("ペット同伴")).toBeTruthy();
  });

  it("sends a person already checked in to the desk, offering no check-out for a stay it does not know", async () => {
    // The public API's refusal names no stay (issue 4): anyone knowing a name and a date of
    // birth could otherwise check that person out.
    fakeApi({ "POST /api/registration/shelters/13101-0001/check-ins": () => json(409, ALREADY_CHECKED_IN, "application/problem+json") });
    renderPage();
    await screen.findByText("千代田小学校");
    fillMinimum();
    fireEvent.click(screen.getByRole("button", { name: "確認へ進む" }));
    fireEvent.click(screen.getByRole("button", { name: "この内容で登録する" }));
    expect((await screen.findByRole("alert")).textContent).toContain("すでに受付されています。受付の係員にお声がけください。");
    expect(screen.queryByRole("link", { name: "退所（チェックアウト）はこちら" })).toBeNull();
    expect(screen.queryByText(/このスマートフォンで、この避難所の受付が済んでいます/)).toBeNull();
    expect(storedStay(localStorage, "13101-0001")).toBeUndefined();
  });

  it("keeps offering check-out of the stay this phone saved from its own check-in", async () => {
    rememberStay(localStorage, "13101-0001", { stayId: STAY_ID, checkedInAt: "2026-11-25T07:00:00Z" });
    fakeApi({ "POST /api/registration/shelters/13101-0001/check-ins": () => json(409, ALREADY_CHECKED_IN, "application/problem+json") });
    renderPage();
    await screen.findByText("千代田小学校");
    fillMinimum();
    fireEvent.click(screen.getByRole("button", { name: "確認へ進む" }));
    fireEvent.click(screen.getByRole("button", { name: "この内容で登録する" }));
    expect((await screen.findByRole("alert")).textContent).toContain("すでに受付されています。受付の係員にお声がけください。");
    expect(screen.getByText("このスマートフォンで、この避難所の受付が済んでいます（受付番号 0B9F3C2E）。")).toBeTruthy();
    expect(screen.getByRole("link", { name: "退所（チェックアウト）はこちら" }).getAttribute("href")).toBe("/checkout/13101-0001");
    expect(storedStay(localStorage, "13101-0001")?.stayId).toBe(STAY_ID);
  });

  it("tells the person when the network is down, and keeps the entries", async () => {
    fakeApi({
      "POST /api/registration/shelters/13101-0001/check-ins": () => {
        throw new TypeError("Failed to fetch");
      },
    });
    renderPage();
    await screen.findByText("千代田小学校");
    fillMinimum();
    fireEvent.click(screen.getByRole("button", { name: "確認へ進む" }));
    fireEvent.click(screen.getByRole("button", { name: "この内容で登録する" }));
    expect((await screen.findByRole("alert")).textContent).toContain("通信できませんでした");
    expect(screen.getByRole("button", { name: "この内容で登録する" })).toBeTruthy();
  });
});
