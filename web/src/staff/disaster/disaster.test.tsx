import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LanguageProvider } from "../../i18n/context";
import { staffMessage } from "../messages";
import { SessionProvider } from "../session";
import {
  deletionProgress,
  needsNewDownload,
  passesByItself,
  exportFileName,
  knownService,
  openSheltersFromProblem,
  openSheltersOf,
  phraseMatches,
  shouldPoll,
  type DisasterStatus,
} from "./disaster";
import { DisasterPage } from "./DisasterPage";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const closure = { closure_id: "0b5b0d5e-4a47-4d4f-9b5f-7d4f4f0b9f11", closed_at: "2026-11-25T10:30:00Z", closed_by: "admin" };

function status(pending: boolean): DisasterStatus {
  return {
    closure,
    complete: !pending,
    services: [
      { service: "registration", holds_personal_data: true, deletion: "confirmed", documents_deleted: 4, collections: ["check_ins"], confirmed_at: "2026-11-25T10:30:01Z" },
      pending
        ? { service: "roster", holds_personal_data: true, deletion: "pending", documents_deleted: 0, collections: [], confirmed_at: null }
        : { service: "roster", holds_personal_data: true, deletion: "confirmed", documents_deleted: 2, collections: ["entries"], confirmed_at: "2026-11-25T10:30:02Z" },
      { service: "stats", holds_personal_data: false, deletion: "not_applicable", documents_deleted: 0, collections: [], confirmed_at: null },
    ],
  };
}

const sheltersOpen = {
  type: "https://shelter-checkin.example/problems/shelters-open",
  status: 409,
  title: "Close every shelter before closing the disaster",
  title_ja: "開設中の避難所があります。すべて閉鎖してから災害収束してください",
  open_shelters: ["13101-0001"],
};

// S10.3 / S13.1: the disaster closes only with the phrase, after every shelter is closed.
describe("disaster helpers", () => {
  it("accepts only the phrase 災害収束, surrounding spaces aside", () => {
    expect(phraseMatches("災害収束")).toBe(true);
    expect(phraseMatches(" 災害収束　")).toBe(true);
    expect(phraseMatches("災害")).toBe(false);
    expect(phraseMatches("")).toBe(false);
  });

  it("names the file in Japan time", () => {
    expect(exportFileName(Date.parse("2026-11-25T16:04:05Z"))).toBe("disaster-20261126-010405.zip");
  });

  it("finds the open shelters in the list and in the shelters-open problem", () => {
    expect(openSheltersOf([{ shelter_id: "a", is_open: true }, { shelter_id: "b", is_open: false }])).toEqual(["a"]);
    const problem = { kind: "problem" as const, problem: { type: sheltersOpen.type, slug: "shelters-open", status: 409, title: sheltersOpen.title, titleJa: sheltersOpen.title_ja, detail: undefined, invalidParams: [], extensions: { open_shelters: ["x", 3, "y"] } } };
    expect(openSheltersFromProblem(staffMessage(problem))).toEqual(["x", "y"]);
    expect(openSheltersFromProblem(staffMessage({ kind: "network" }))).toBeUndefined();
    expect(needsNewDownload(staffMessage(problem))).toBe(true);
    expect(passesByItself(staffMessage(problem))).toBe(false);
    const pending = { ...problem, problem: { ...problem.problem, slug: "events-pending", extensions: {} } };
    expect(passesByItself(staffMessage(pending))).toBe(true);
    expect(needsNewDownload(staffMessage(pending))).toBe(false);
  });

  it("counts confirmations among the services holding personal data and polls until complete", () => {
    expect(deletionProgress(status(true))).toEqual({ done: 1, all: 2 });
    expect(deletionProgress(status(false))).toEqual({ done: 2, all: 2 });
    expect(shouldPoll(status(true))).toBe(true);
    expect(shouldPoll(status(false))).toBe(false);
    expect(shouldPoll({ closure: null, complete: false, services: [] })).toBe(false);
    expect(shouldPoll(null)).toBe(false);
    expect(knownService("roster")).toBe("roster");
    expect(knownService("kiosk")).toBeUndefined();
  });
});

interface Stub {
  closes: unknown[];
  statusReads: number;
  /** The names of the files the page saved (the download link's click). */
  saved: string[];
}

/** A stack in miniature: an administrator, one open shelter until the test closes it, the export and the status. */
function stubStack(options: { closeAnswer: () => Response }): Stub {
  const stub: Stub = { closes: [], statusReads: 0, saved: [] };
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    stub.saved.push(this.download);
  });
  let closed = false;
  vi.stubGlobal("fetch", async (request: Request) => {
    const path = new URL(request.url).pathname;
    const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    if (path === "/api/auth/me") return json({ subject: "admin", role: "administrator", shelters: [], expires_in: 600 });
    if (path === "/api/registration/shelters")
      return json({ items: [{ shelter_id: "13101-0001", name: "第一小学校", is_open: true }], total: 1, limit: 500, offset: 0 });
    if (path === "/api/roster/disaster/export.zip") return new Response(new Uint8Array([80, 75, 3, 4]), { headers: { "content-type": "application/zip", "content-length": "4" } });
    if (path === "/api/registration/disaster/close") {
      stub.closes.push(await request.json());
      const answer = options.closeAnswer();
      if (answer.ok) closed = true;
      return answer;
    }
    if (path === "/api/registration/disaster/status") {
      stub.statusReads += 1;
      if (!closed) return json({ closure: null, complete: false, services: status(true).services.map((s) => ({ ...s, deletion: s.holds_personal_data ? "pending" : s.deletion })) });
      return json(status(stub.statusReads < 3));
    }
    return json({}, 404);
  });
  vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: () => "blob:disaster", revokeObjectURL: () => undefined }));
  return stub;
}

function page(lang: "ja" | "en" = "ja") {
  return render(
    <LanguageProvider lang={lang}>
      <SessionProvider>
        <DisasterPage />
      </SessionProvider>
    </LanguageProvider>,
  );
}

async function downloadAndType(stub: Stub, phrase: string) {
  await screen.findByRole("heading", { level: 1, name: "災害収束" });
  const input = screen.getByLabelText(/^確認のため「災害収束」と入力してください/);
  expect(input.closest("fieldset")?.disabled).toBe(true);
  expect(screen.getByTestId("disaster-locked").textContent).toContain("ファイルを保存すると");
  fireEvent.click(screen.getByRole("button", { name: "ファイルを保存" }));
  await screen.findByText(/disaster-\d{8}-\d{6}\.zip（4 B）を保存しました。/);
  expect(input.closest("fieldset")?.disabled).toBe(false);
  expect(stub.saved).toHaveLength(1);
  expect(stub.saved[0]).toMatch(/^disaster-\d{8}-\d{6}\.zip$/);
  fireEvent.input(input, { target: { value: phrase } });
  fireEvent.submit(input.closest("form")!);
}

describe("DisasterPage (S10.3)", () => {
  it("closes only after the download, the phrase and the confirmation, then shows every deletion confirmed", async () => {
    const stub = stubStack({ closeAnswer: () => new Response(JSON.stringify(closure), { status: 202 }) });
    page();
    await screen.findByTestId("disaster-not-closed");
    await downloadAndType(stub, "災害");
    expect(screen.getAllByText("「災害収束」と入力してください。").length).toBeGreaterThan(0);
    expect(stub.closes).toEqual([]);

    fireEvent.input(screen.getByLabelText(/^確認のため/), { target: { value: "災害収束" } });
    fireEvent.submit(screen.getByLabelText(/^確認のため/).closest("form")!);
    const dialog = await screen.findByRole("dialog");
    expect(dialog.textContent).toContain("元に戻せません");
    fireEvent.click(screen.getByRole("button", { name: "はい、実行します" }));
    await waitFor(() => expect(stub.closes).toEqual([{ confirmation: "災害収束" }]));

    // Polled until complete: first one service waiting, then every one confirmed.
    await waitFor(() => expect(screen.getByTestId("disaster-summary").textContent).toContain("すべてのサービスで個人情報の削除を確認しました"), { timeout: 8000 });
    expect(screen.getByTestId("disaster-summary").getAttribute("role")).toBe("status");
    const rows = [...screen.getByTestId("disaster-services").querySelectorAll("li")].map((li) => li.getAttribute("data-deletion"));
    expect(rows).toEqual(["confirmed", "confirmed", "not_applicable"]);
    expect(screen.getByTestId("disaster-services").textContent).toContain("2件を削除");
    expect(screen.getByTestId("disaster-closed-at").textContent).toContain("admin");
    expect(screen.queryByTestId("disaster-step2")).toBeNull();
  }, 15_000);

  it("lists the open shelters of the shelters-open problem in Japanese and English", async () => {
    const stub = stubStack({ closeAnswer: () => new Response(JSON.stringify(sheltersOpen), { status: 409, headers: { "content-type": "application/problem+json" } }) });
    page();
    await screen.findByTestId("disaster-open-shelters");
    expect(screen.getByTestId("disaster-open-shelters").textContent).toContain("第一小学校 (13101-0001)");
    expect(screen.getByRole("link", { name: "避難所一覧で閉鎖する" }).getAttribute("href")).toBe("/staff/shelters");
    await downloadAndType(stub, "災害収束");
    fireEvent.click(await screen.findByRole("button", { name: "はい、実行します" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("開設中の避難所があります。すべて閉鎖してから災害収束してください");
    expect(alert.textContent).toContain("Close every shelter before closing the disaster");
    expect(stub.closes).toHaveLength(1);
    // The file must be saved again once the last shelter closed: step 2 is locked again.
    expect(screen.getByTestId("disaster-locked")).toBeTruthy();
    expect(screen.getByRole("link", { name: "手順1へ（ファイルをもう一度保存する）" }).getAttribute("href")).toBe("#disaster-step1");
    expect(screen.getByTestId("disaster-not-closed")).toBeTruthy();
  });

  it("tries again while the roster's report of the download is on its way (export-required passes)", async () => {
    const exportRequired = {
      type: "https://shelter-checkin.example/problems/export-required",
      status: 409,
      title: "Download the disaster's file (export) after the last shelter closed, then close",
      title_ja: "最後の避難所を閉鎖した後に災害記録を出力（エクスポート）してから災害収束してください",
    };
    let answers = 0;
    const stub = stubStack({
      closeAnswer: () => {
        answers += 1;
        return answers === 1 ? new Response(JSON.stringify(exportRequired), { status: 409 }) : new Response(JSON.stringify(closure), { status: 202 });
      },
    });
    page();
    await screen.findByTestId("disaster-not-closed");
    await downloadAndType(stub, "災害収束");
    fireEvent.click(await screen.findByRole("button", { name: "はい、実行します" }));
    await waitFor(() => expect(stub.closes).toHaveLength(2), { timeout: 5000 });
    await waitFor(() => expect(screen.queryByTestId("disaster-step2")).toBeNull());
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("speaks English when the staff member switched, the phrase staying Japanese", async () => {
    stubStack({ closeAnswer: () => new Response(JSON.stringify(closure), { status: 202 }) });
    page("en");
    await screen.findByRole("heading", { level: 1, name: "Close the disaster" });
    await screen.findByRole("heading", { level: 2, name: "Step 1: Save the disaster's file" });
    expect(screen.getByLabelText(/^To confirm, type「災害収束」/).closest("fieldset")?.disabled).toBe(true);
    expect((await screen.findByTestId("disaster-open-shelters")).textContent).toContain("1 shelters are open. Close every shelter, then save the file.");
  });
});
