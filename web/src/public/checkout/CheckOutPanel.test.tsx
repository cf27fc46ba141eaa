import { cleanup, fireEvent, render, screen } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LanguageProvider } from "../../i18n/context";
import { rememberStay, storedStay } from "../stays";
import { CheckOutPanel } from "./CheckOutPanel";

const STAY = { stayId: "0b9f3c2e-1111-4222-8333-444455556666", checkedInAt: "2026-11-25T07:00:00Z" };

function respond(status: number, body: unknown) {
  const sent: { url: string; body: unknown }[] = [];
  vi.stubGlobal("fetch", async (request: Request) => {
    sent.push({ url: new URL(request.url).pathname, body: JSON.parse(await request.text()) });
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  });
  return sent;
}

function renderPanel() {
  render(
    <LanguageProvider lang="ja">
      <CheckOutPanel shelterId="13101-0001" stay={STAY} />
    </LanguageProvider>,
  );
}

beforeEach(() => {
  localStorage.clear();
  rememberStay(localStorage, "13101-0001", STAY);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

// Check-out from the phone (S10 public 2): a question first, then POST /check-outs {stay_id}.
describe("CheckOutPanel", () => {
  it("asks before checking out, then sends the stay id and forgets it", async () => {
    const sent = respond(200, { stay_id: STAY.stayId, shelter_id: "13101-0001", channel: 3, checked_out_at: "2026-11-25T09:00:00Z", forced: false });
    renderPanel();
    fireEvent.click(screen.getByRole("button", { name: "退所する" }));
    expect(screen.getByText("本当に退所しますか？")).toBeTruthy();
    expect(sent).toEqual([]);
    fireEvent.click(screen.getByRole("button", { name: "はい、退所します" }));
    expect(await screen.findByText("退所の手続きが完了しました。どうぞお気をつけて。")).toBeTruthy();
    expect(sent).toEqual([{ url: "/api/registration/shelters/13101-0001/check-outs", body: { stay_id: STAY.stayId } }]);
    expect(storedStay(localStorage, "13101-0001")).toBeUndefined();
  });

  it("can be cancelled", () => {
    respond(200, {});
    renderPanel();
    fireEvent.click(screen.getByRole("button", { name: "退所する" }));
    fireEvent.click(screen.getByRole("button", { name: "やめる" }));
    expect(screen.getByRole("button", { name: "退所する" })).toBeTruthy();
  });

  it("shows the refusal and forgets a stay that was already checked out by staff", async () => {
    respond(409, {
      type: "https://shelter-checkin.example/problems/already-checked-out",
      title: "This stay is already checked out",
      title_ja: "すでに退所しています",
      status: 409,
    });
    renderPanel();
    fireEvent.click(screen.getByRole("button", { name: "退所する" }));
    fireEvent.click(screen.getByRole("button", { name: "はい、退所します" }));
    expect((await screen.findByRole("alert")).textContent).toBe("すでに退所しています");
    expect(storedStay(localStorage, "13101-0001")).toBeUndefined();
  });
});
