import type { ComponentChildren } from "preact";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LanguageProvider } from "../i18n/context";
import type { Lang } from "../i18n/languages";
import { staffMessage } from "./messages";
import { ProblemNotice } from "./ProblemNotice";
import { SessionProvider } from "./session";
import { SignInPage } from "./SignInPage";

afterEach(() => cleanup());

const lockedOut = {
  type: "https://shelter-checkin.example/problems/account-locked-out",
  status: 403,
  title: "Too many failed sign-ins: the account is locked for about 15 minutes",
  title_ja: "サインインの失敗が続いたため、アカウントがロックされました。",
  locked_until: "2026-11-25T01:30:00+00:00",
};

function withLang(lang: Lang, children: ComponentChildren) {
  return <LanguageProvider lang={lang}>{children}</LanguageProvider>;
}

// Issue 5: errors from RFC 9457 problem details in Japanese (title_ja) and English.
describe("ProblemNotice", () => {
  it("puts the reader's language first and the other one underneath", () => {
    const message = staffMessage({ kind: "problem", problem: { type: "x", slug: "x", status: 422, title: "Bad", titleJa: "だめです", detail: undefined, invalidParams: [{ name: "personal.address", reason: "missing" }], extensions: {} } });
    render(withLang("ja", <ProblemNotice message={message} />));
    const alert = screen.getByRole("alert");
    expect(alert.querySelector(".notice-title")?.textContent).toBe("だめです");
    expect(alert.querySelector(".notice-secondary")?.textContent).toBe("Bad");
    expect(alert.querySelector(".notice-secondary")?.getAttribute("lang")).toBe("en");
    expect(alert.textContent).toContain("personal.address");
    cleanup();
    render(withLang("en", <ProblemNotice message={message} />));
    expect(screen.getByRole("alert").querySelector(".notice-title")?.textContent).toBe("Bad");
  });

  // Review item 25: the problem's detail was never shown.
  it("shows the problem's detail, marked as English", () => {
    const message = staffMessage({ kind: "problem", problem: { type: "x", slug: "x", status: 409, title: "Conflict", titleJa: "競合しました", detail: "The entry changed at revision 4", invalidParams: [], extensions: {} } });
    render(withLang("ja", <ProblemNotice message={message} />));
    const detail = screen.getByRole("alert").querySelector(".notice-detail");
    expect(detail?.textContent).toBe("The entry changed at revision 4");
    expect(detail?.getAttribute("lang")).toBe("en");
  });
});

describe("SignInPage (S10.1)", () => {
  it("says the account is locked out, until when, in Japanese", async () => {
    vi.stubGlobal("fetch", (request: Request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/auth/sign-in") return Promise.resolve(new Response(JSON.stringify(lockedOut), { status: 403 }));
      return Promise.resolve(new Response("{}", { status: 401 }));
    });
    render(withLang("ja", <SessionProvider><SignInPage /></SessionProvider>));
    fireEvent.input(screen.getByLabelText(/^ユーザーID/), { target: { value: "sato" } });
    fireEvent.input(screen.getByLabelText(/^パスワード/), { target: { value: "wrong" } });
    fireEvent.submit(screen.getByRole("button", { name: "ログイン" }).closest("form")!);
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("アカウントがロックされました"));
    expect(screen.getByRole("alert").textContent).toContain("ロック解除の予定:");
    expect(screen.getByRole("alert").textContent).toContain("Too many failed sign-ins");
  });

  it("asks for both fields before calling the service", () => {
    const fetch = vi.fn();
    vi.stubGlobal("fetch", (request: Request) => {
      fetch(new URL(request.url).pathname);
      return Promise.resolve(new Response("{}", { status: 401 }));
    });
    render(withLang("ja", <SessionProvider><SignInPage /></SessionProvider>));
    fireEvent.submit(screen.getByRole("button", { name: "ログイン" }).closest("form")!);
    expect(screen.getAllByText("ユーザーIDとパスワードを入力してください。").length).toBeGreaterThan(0);
    expect(fetch.mock.calls.filter(([path]) => path === "/api/auth/sign-in")).toEqual([]);
  });
});
