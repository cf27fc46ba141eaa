import { describe, expect, it } from "vitest";
import { readCookie, withCsrf } from "../api/clients";
import { failureOf } from "../api/problem";
import { applyEvent, DELETED_EVENT, totalsOf } from "./liveStats";
import { staffMessage } from "./messages";
import { changesOf, csvPath, editableOf, filterQuery, pageRange, sizeLabel, withPendingCheckOuts } from "./roster";
import { mayChangeShelter, principalOf, refreshDelay } from "./session";
import { matchesShelter, percent } from "./SheltersPage";
import { proxyBody } from "./ProxyCheckIn";
import { safeLinks } from "./HomePage";
import type { RosterEntry, ShelterStatistics } from "../api/clients";

// Issue 5: staff screens show RFC 9457 problems in Japanese (title_ja) and English (title).
describe("staff messages", () => {
  it("carry both titles, the fields in error and the password rules broken", () => {
    const message = staffMessage(
      failureOf(
        {
          type: "https://example.org/problems/password-policy",
          status: 422,
          title: "The password does not meet the password policy",
          title_ja: "パスワードがパスワードポリシーを満たしていません",
          violations: ["at least 12 characters"],
          "invalid-params": [{ name: "new_password", reason: "too short" }],
        },
        422,
      ),
    );
    expect(message.title).toEqual({ ja: "パスワードがパスワードポリシーを満たしていません", en: "The password does not meet the password policy" });
    expect(message.slug).toBe("password-policy");
    expect(message.violations).toEqual(["at least 12 characters"]);
    expect(message.fields).toEqual([{ name: "new_password", reason: "too short" }]);
  });

  it("say something useful in both languages without a problem body", () => {
    expect(staffMessage({ kind: "network" }).title.ja).toContain("接続できません");
    expect(staffMessage({ kind: "http", status: 429 }).title.en).toContain("Too many");
    expect(staffMessage({ kind: "http", status: 418 }).title.ja).toBe("処理できませんでした。もう一度お試しください。");
  });
});

describe("session (S10.1)", () => {
  it("reads the principal from sign-in, refresh and /me answers", () => {
    expect(principalOf({ subject: "sato", role: "shelter_staff", shelters: ["13101-0001"], expires_in: 600 }, 1_000)).toEqual({
      userId: "sato",
      role: "shelter_staff",
      shelters: ["13101-0001"],
      accessExpiresAt: 601_000,
    });
    expect(principalOf({ subject: "hq", role: "hq_viewer", expires_at: "2026-01-01T00:00:00Z" }, 0)?.accessExpiresAt).toBe(Date.parse("2026-01-01T00:00:00Z"));
    expect(principalOf({ subject: "kiosk-1", role: null }, 0)).toBeUndefined();
  });

  it("renews a minute before expiry, never in a tight loop", () => {
    expect(refreshDelay(600_000, 0)).toBe(540_000);
    expect(refreshDelay(10_000, 0)).toBe(5_000);
    expect(refreshDelay(0, 100_000)).toBe(5_000);
  });

  it("lets administrators change every shelter, staff their own, headquarters none (S10.5)", () => {
    const staff = { userId: "s", role: "shelter_staff" as const, shelters: ["a"], accessExpiresAt: 0 };
    expect(mayChangeShelter(staff, "a")).toBe(true);
    expect(mayChangeShelter(staff, "b")).toBe(false);
    expect(mayChangeShelter({ ...staff, role: "administrator", shelters: [] }, "b")).toBe(true);
    expect(mayChangeShelter({ ...staff, role: "hq_viewer", shelters: [] }, "a")).toBe(false);
    expect(mayChangeShelter(null, "a")).toBe(false);
  });

  it("echoes the CSRF cookie on unsafe requests only", () => {
    const cookies = "other=1; __Host-shelter-csrf=abc%3D; x=2";
    expect(readCookie(cookies, "__Host-shelter-csrf")).toBe("abc=");
    const post = withCsrf(new Request("http://127.0.0.1/api/x", { method: "POST" }), cookies);
    expect(post.headers.get("X-CSRF-Token")).toBe("abc=");
    const get = withCsrf(new Request("http://127.0.0.1/api/x"), cookies);
    expect(get.headers.get("X-CSRF-Token")).toBeNull();
    expect(withCsrf(new Request("http://127.0.0.1/api/x", { method: "PATCH" }), "").headers.get("X-CSRF-Token")).toBeNull();
  });
});

const stats = (id: string, present: number, isOpen = true): ShelterStatistics => ({
  shelter_id: id,
  name: id,
  address: null,
  shelter_type: null,
  is_open: isOpen,
  training: false,
  present,
  checked_in: present,
  checked_out: 1,
  households: present,
  age_bands: {},
  female: 0,
  male: 0,
  other: present,
  capacity: 100,
  occupancy_rate: present / 100,
  crowding_level: "vacant",
});

describe("live statistics (S13, S14)", () => {
  it("apply change and deletion events", () => {
    let byId = applyEvent(new Map(), "message", JSON.stringify(stats("a", 1)));
    byId = applyEvent(byId, "message", JSON.stringify(stats("a", 2)));
    expect(byId.get("a")?.present).toBe(2);
    expect(applyEvent(byId, "message", "not json")).toBe(byId);
    expect(applyEvent(byId, "message", JSON.stringify({ shelter_id: "a" }))).toBe(byId);
    expect(applyEvent(byId, DELETED_EVENT, JSON.stringify({ shelter_id: "a" })).has("a")).toBe(false);
  });

  it("sum the shelters like the totals", () => {
    expect(totalsOf([stats("a", 3), stats("b", 4, false)])).toEqual({
      shelters: 2,
      shelters_open: 1,
      capacity_open: 100,
      present: 7,
      households: 7,
      checked_out: 2,
    });
    expect(percent(0.425)).toBe(43);
    expect(matchesShelter({ name: "千代田 小学校", shelter_id: "13101-0001" }, "千代田小")).toBe(true);
    expect(matchesShelter({ name: "千代田小学校", shelter_id: "13101-0001" }, "１３１０１")).toBe(true);
    expect(matchesShelter({ name: "千代田小学校", shelter_id: "13101-0001" }, "神田")).toBe(false);
    expect(percent(null)).toBeUndefined();
  });
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

describe("roster (S11)", () => {
  it("filters by name and status, also in the CSV", () => {
    const none = { name: "", status: "present", training: false, statusItem: "" } as const;
    expect(filterQuery({ ...none, name: "  やまだ ", status: "all" })).toEqual({ name: "やまだ", status: "all" });
    expect(filterQuery({ ...none, training: true, statusItem: "要介護" })).toEqual({ status: "present", status_item: "要介護", training: true });
    expect(csvPath("a b", { ...none, name: "山田", status: "checked_out" })).toBe(
      "/api/roster/shelters/a%20b/entries.csv?name=%E5%B1%B1%E7%94%B0&status=checked_out",
    );
    expect(csvPath("a", { ...none, status: "all", training: true })).toBe("/api/roster/shelters/a/entries.csv?status=all&training=true");
  });

  it("counts pages and sizes", () => {
    expect(pageRange(20, 20, 45)).toEqual({ from: 21, to: 40, total: 45 });
    expect(pageRange(0, 0, 0)).toEqual({ from: 0, to: 0, total: 0 });
    expect(sizeLabel(512)).toBe("512 B");
    expect(sizeLabel(2048)).toBe("2.0 KB");
  });

  it("sends only the changed fields with the revision read", () => {
    const before = editableOf(entry);
    expect(changesOf(before, before, 3)).toBeUndefined();
    expect(changesOf(before, { ...before, address: "大阪府", phone: "" }, 3)).toEqual({
      personal: { address: "大阪府", phone: null },
      revision: 3,
    });
    expect(changesOf(before, { ...before, remarks: "車いす" }, 3)).toEqual({ remarks: "車いす", revision: 3 });
  });

  it("builds the proxy check-in body; incomplete dates go empty so the service names them", () => {
    const body = proxyBody({
      family_name: " 佐藤 ",
      given_name: "一郎",
      family_name_kana: "",
      given_name_kana: "いちろう",
      address: "東京都",
      dateOfBirth: { year: "1945", month: "8", day: "5" },
      sex: "male",
      phone: "",
      remarks: "",
    });
    expect(body.personal).toMatchObject({ family_name: "佐藤", date_of_birth: "1945-08-05", family_name_kana: null, given_name_kana: "いちろう" });
    expect(body.remarks).toBeNull();
    const empty = { family_name: "", given_name: "", family_name_kana: "", given_name_kana: "", address: "", phone: "", remarks: "" };
    expect(proxyBody({ ...empty, dateOfBirth: { year: "1945", month: "", day: "" }, sex: "" }).personal.date_of_birth).toBe("");
  });
});

describe("home links (S15)", () => {
  it("keeps only web links", () => {
    expect(
      safeLinks({
        links: [
          { label_ja: "気象庁", label_en: "JMA", url: "https://www.jma.go.jp/" },
          { label_ja: "悪い", label_en: "Bad", url: "javascript:alert(1)" },
          { label_ja: "欠け", url: "https://example.org/" },
        ],
      }).map((link) => link.label_en),
    ).toEqual(["JMA"]);
    expect(safeLinks(null)).toEqual([]);
  });
});

// Review item 9: a re-read before the event must not bring the forced check-out button back.
describe("withPendingCheckOuts (S11)", () => {
  it("keeps this page's check-out over a stale read and forgets it once the roster shows it", () => {
    const pending = new Map([["s1", { checked_out_at: "2026-01-01T01:00:00Z", forced_check_out: true }]]);
    const stale = withPendingCheckOuts([entry], pending);
    expect(stale[0]).toMatchObject({ checked_out_at: "2026-01-01T01:00:00Z", forced_check_out: true });
    expect(pending.size).toBe(1);
    const confirmed = { ...entry, checked_out_at: "2026-01-01T01:00:01Z", forced_check_out: true };
    expect(withPendingCheckOuts([confirmed], pending)[0]).toBe(confirmed);
    expect(pending.size).toBe(0);
  });
});
