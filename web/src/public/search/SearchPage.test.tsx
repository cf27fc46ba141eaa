import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LanguageProvider } from "../../i18n/context";
import type { Lang } from "../../i18n/languages";
import { SearchPage } from "./SearchPage";

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** The roster's public search, faked; returns the query strings the page sent. */
function fakeSearch(answer: () => Response) {
  const queries: string[] = [];
  vi.stubGlobal("fetch", (request: Request) => {
    const url = new URL(request.url);
    expect(url.pathname).toBe("/api/roster/public/search");
    queries.push(url.search);
    return Promise.resolve(answer());
  });
  return queries;
}

function renderPage(lang: Lang = "ja") {
  return render(
    <LanguageProvider lang={lang}>
      <SearchPage />
    </LanguageProvider>,
  );
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

// S10 public 1, S16.1: the public search shows what the roster disclosed, and explains refusals.
describe("SearchPage", () => {
  it("asks for a name before sending anything", () => {
    const queries = fakeSearch(() => json(200, { items: [] }));
    renderPage();
    fireEvent.click(screen.getByRole("button", { name: "検索する" }));
    expect(queries).toEqual([]);
    expect(screen.getByRole("alert").textContent).toContain("姓か名のどちらか（または両方）を入力してから検索してください。");
    expect(screen.getByLabelText(/姓（みょうじ）/).getAttribute("aria-invalid")).toBe("true");
  });

  it("sends the given names and shows exactly the fields that came back", async () => {
    const queries = fakeSearch(() =>
      json(200, { items: [{ shelter_id: "13101-0001", shelter_name: "千代田小学校", family_name: "山田", given_name: "花子", age_band: 70 }] }),
    );
    renderPage();
    fireEvent.input(screen.getByLabelText(/姓（みょうじ）/), { target: { value: " 山田 " } });
    fireEvent.click(screen.getByRole("button", { name: "検索する" }));
    await screen.findByTestId("search-hit");
    expect(queries).toEqual([`?family_name=${encodeURIComponent("山田")}`]);
    const shown = [...screen.getByTestId("search-hit").querySelectorAll("dd")].map((dd) => [dd.dataset["field"], dd.textContent]);
    expect(shown).toEqual([
      ["shelter", "千代田小学校"],
      ["name", "山田 花子"],
      ["age", "70代"],
    ]);
    expect(screen.getByTestId("search-count").textContent).toBe("1人見つかりました。");
  });

  it("explains the rate limit with the seconds to wait, in the reader's language", async () => {
    fakeSearch(() => json(429, { type: "about:blank", title: "Too Many Requests", title_ja: "リクエストが多すぎます", status: 429 }, { "Retry-After": "42" }));
    renderPage("en");
    fireEvent.input(screen.getByLabelText(/Given name/), { target: { value: "Hanako" } });
    fireEvent.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(screen.getByTestId("search-rate-limited").textContent).toContain("wait about 42 seconds"));
  });
});
