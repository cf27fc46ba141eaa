import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { useState } from "preact/hooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RosterEntry } from "../api/clients";
import { LanguageProvider } from "../i18n/context";
import { ConfirmDialog } from "./ConfirmDialog";
import { EntryEditor } from "./EntryEditor";
import { SessionProvider } from "./session";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const entry = {
  stay_id: "s1",
  shelter_id: "a",
  serial: 1,
  channel: 3,
  household_number: null,
  personal: {
    family_name: "山田",
    given_name: "花子",
    family_name_kana: "やまだ",
    given_name_kana: null,
    address: "東京都",
    date_of_birth: "1950-04-01",
    sex: "female",
    phone: "090",
    email: null,
  },
  age_band: 70,
  statuses: [],
  message: null,
  remarks: null,
  checked_in_at: "2026-01-01T00:00:00Z",
  checked_out_at: null,
  forced_check_out: false,
  transferred_from: null,
  transferred_to: null,
  training: false,
  revision: 3,
} satisfies RosterEntry;

// Review item 1: S11.1 edits send the revision READ with the fields read, so a colleague's
// change made while the editor is open gives 409 edit-conflict instead of being undone.
describe("EntryEditor (S11.1)", () => {
  it("keeps the revision and the fields read when the editor opened, even if the list re-reads", async () => {
    const sent: unknown[] = [];
    vi.stubGlobal("fetch", async (request: Request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/roster/entries/s1" && request.method === "PATCH") {
        sent.push(await request.json());
        return new Response(JSON.stringify(entry), { status: 200, headers: { "Content-Type": "application/json" } });
      }
      return new Response("{}", { status: 401 });
    });
    const onSaved = vi.fn();
    const view = (current: RosterEntry) => (
      <LanguageProvider lang="ja">
        <SessionProvider>
          <EntryEditor entry={current} onSaved={onSaved} onCancel={() => undefined} />
        </SessionProvider>
      </LanguageProvider>
    );
    const { rerender } = render(view(entry));
    // A colleague changed the address meanwhile; the roster list re-read passes the newer entry.
    rerender(view({ ...entry, personal: { ...entry.personal, address: "大阪府" }, revision: 4 }));
    fireEvent.input(screen.getByLabelText(/^備考/), { target: { value: "車いす" } });
    fireEvent.submit(screen.getByRole("button", { name: "保存" }).closest("form")!);
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(sent).toEqual([{ remarks: "車いす", revision: 3 }]);
  });
});

describe("EntryEditor focus (review item 20)", () => {
  it("gives the focus back to the Edit button when it closes", () => {
    vi.stubGlobal("fetch", () => Promise.resolve(new Response("{}", { status: 401 })));
    function Card() {
      const [open, setOpen] = useState(false);
      return (
        <>
          <button type="button" onClick={() => setOpen(true)}>
            編集
          </button>
          {open && <EntryEditor entry={entry} onSaved={() => setOpen(false)} onCancel={() => setOpen(false)} />}
        </>
      );
    }
    render(
      <LanguageProvider lang="ja">
        <SessionProvider>
          <Card />
        </SessionProvider>
      </LanguageProvider>,
    );
    const edit = screen.getByRole("button", { name: "編集" });
    edit.focus();
    fireEvent.click(edit);
    screen.getByLabelText(/^備考/).focus();
    fireEvent.click(screen.getByRole("button", { name: "キャンセル" }));
    expect(screen.queryByRole("button", { name: "保存" })).toBeNull();
    expect(document.activeElement).toBe(edit);
  });
});

// Review items 5 and 21: a destructive dialog must not confirm by one Enter, and Escape must not
// cancel (and unmount) while the request it started is still running.
describe("ConfirmDialog", () => {
  const dialog = (props: { danger?: boolean; busy?: boolean; onCancel?: () => void }) => (
    <LanguageProvider lang="ja">
      <ConfirmDialog question="本当に実行しますか" onConfirm={() => undefined} onCancel={props.onCancel ?? (() => undefined)} danger={props.danger ?? false} busy={props.busy ?? false} />
    </LanguageProvider>
  );

  it("focuses the cancel button of a destructive dialog", () => {
    render(dialog({ danger: true }));
    expect(document.activeElement?.textContent).toBe("キャンセル");
  });

  it("ignores Escape while busy and cancels otherwise", () => {
    const onCancel = vi.fn();
    const { rerender } = render(dialog({ busy: true, onCancel }));
    const element = document.querySelector("dialog")!;
    fireEvent(element, new Event("cancel", { cancelable: true }));
    expect(onCancel).not.toHaveBeenCalled();
    rerender(dialog({ busy: false, onCancel }));
    fireEvent(element, new Event("cancel", { cancelable: true }));
    expect(onCancel).toHaveBeenCalledTimes(1);
  });
});

// Review item 20: the opener may be gone when the dialog closes (a forced check-out removes it).
describe("ConfirmDialog focus on close", () => {
  it("returns to the opener, or to the page heading when the opener is gone", () => {
    const heading = document.createElement("h1");
    heading.tabIndex = -1;
    document.body.append(heading);
    const opener = document.createElement("button");
    document.body.append(opener);
    opener.focus();
    const view = render(
      <LanguageProvider lang="ja">
        <ConfirmDialog question="退所させますか" onConfirm={() => undefined} onCancel={() => undefined} danger />
      </LanguageProvider>,
    );
    opener.remove();
    view.unmount();
    expect(document.activeElement).toBe(heading);
    heading.remove();
  });
});
