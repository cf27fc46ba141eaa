import { describe, expect, it, vi } from "vitest";
import { byteSize, fromLocalInput, shelterIdsOf, toLocalInput } from "./common";
import { japanDateTime, japanDay } from "../../lib/japanTime";
import { auditFileName, auditUrl, japanToday, periodOf } from "./logs";
import { percentOf, upload } from "./upload";
import { coordinateOf } from "./ShelterAdminPage";

// S10.5 accounts, S10.8 audit log by date range, import progress (issue 5).
describe("admin helpers", () => {
  it("turns whole Japanese days into the audit API's period (end day included)", () => {
    expect(periodOf("2026-11-01", "2026-11-30")).toEqual({ ok: true, from: "2026-11-01T00:00:00+09:00", to: "2026-12-01T00:00:00+09:00" });
    expect(periodOf("2026-12-31", "2026-12-31")).toEqual({ ok: true, from: "2026-12-31T00:00:00+09:00", to: "2027-01-01T00:00:00+09:00" });
    expect(periodOf("2026-11-02", "2026-11-01")).toEqual({ ok: false, reason: "order" });
    expect(periodOf("", "2026-11-01")).toEqual({ ok: false, reason: "missing" });
    expect(auditUrl({ from: "2026-11-01T00:00:00+09:00", to: "2026-11-02T00:00:00+09:00" })).toBe(
      "/api/auth/audit?from=2026-11-01T00%3A00%3A00%2B09%3A00&to=2026-11-02T00%3A00%3A00%2B09%3A00&format=csv",
    );
    expect(auditFileName("2026-11-01", "2026-11-30")).toBe("audit-20261101-20261130.csv");
    expect(japanToday(Date.parse("2026-11-25T16:00:00Z"))).toBe("2026-11-26");
  });

  it("reads assigned shelters and expiry the way an administrator types them", () => {
    expect(shelterIdsOf(" 13101-0001, 13101-0002、13101-0001\n13101-0003 ")).toEqual(["13101-0001", "13101-0002", "13101-0003"]);
    expect(shelterIdsOf("  ")).toEqual([]);
    expect(fromLocalInput("2026-12-31T23:59")).toBe("2026-12-31T23:59:00+09:00");
    expect(fromLocalInput("")).toBeNull();
    expect(toLocalInput("2026-12-31T14:59:00Z")).toBe("2026-12-31T23:59");
    expect(toLocalInput(null)).toBe("");
  });

  it("shows upload progress, then an indeterminate bar while the server imports", () => {
    expect(percentOf({ phase: "uploading", sent: 512, total: 1024 })).toBe(50);
    expect(percentOf({ phase: "uploading", sent: 0, total: 0 })).toBe(0);
    expect(percentOf({ phase: "processing" })).toBeUndefined();
    expect(byteSize(1536)).toBe("1.5 KB");
    expect(byteSize(12)).toBe("12 B");
  });
});

// Review item 14: a mistyped coordinate must not silently clear the position (NaN -> null).
describe("coordinateOf", () => {
  it("reads full-width digits and minus signs, refuses what is not a number in range", () => {
    expect(coordinateOf("", 90)).toBeUndefined();
    expect(coordinateOf(" 35.6812 ", 90)).toBe(35.6812);
    expect(coordinateOf("３５．６８", 90)).toBe(35.68);
    expect(coordinateOf("−33.9", 90)).toBe(-33.9);
    expect(coordinateOf("35,68", 90)).toBeNull();
    expect(coordinateOf("abc", 90)).toBeNull();
    expect(coordinateOf("95", 90)).toBeNull();
    expect(coordinateOf("139.76", 180)).toBe(139.76);
    expect(coordinateOf("Infinity", 180)).toBeNull();
  });
});

// Review item 15: an aborted or timed-out upload must settle (the import would stay "processing").
describe("upload", () => {
  for (const end of ["onabort", "ontimeout"] as const) {
    it(`rejects on ${end}`, async () => {
      class FakeRequest {
        upload = {};
        timeout = 0;
        withCredentials = false;
        onabort: (() => void) | null = null;
        ontimeout: (() => void) | null = null;
        open() {}
        setRequestHeader() {}
        send() {
          setTimeout(() => this[end]?.(), 0);
        }
      }
      vi.stubGlobal("XMLHttpRequest", FakeRequest);
      await expect(upload("/x", new Blob(["a"]), "text/csv", () => undefined, () => Promise.resolve(true), () => undefined)).rejects.toThrow();
      vi.unstubAllGlobals();
    });
  }

  // Review items 15 and 29: the upload sends the CSRF header from the one helper, retries once
  // after a refresh, and ends the session when the refresh is refused (it used to return the
  // 401 and leave the admin on a page whose every call fails).
  it("sends the CSRF header, retries after a refresh, and ends the session when the refresh is refused", async () => {
    const sent: Record<string, string>[] = [];
    let status = 401;
    class FakeRequest {
      upload = {};
      timeout = 0;
      withCredentials = false;
      status = 0;
      responseText = "";
      headers: Record<string, string> = {};
      onload: (() => void) | null = null;
      open() {}
      setRequestHeader(name: string, value: string) {
        this.headers[name] = value;
      }
      send() {
        sent.push(this.headers);
        this.status = status;
        setTimeout(() => this.onload?.(), 0);
      }
    }
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    vi.stubGlobal("document", { cookie: "__Host-shelter-csrf=tok%2Fen" });
    const ended = vi.fn();
    // The refresh works: sent twice, the second answer is returned.
    const renewed = await upload("/x", new Blob(["a"]), "text/csv", () => undefined, () => ((status = 200), Promise.resolve(true)), ended);
    expect(renewed.status).toBe(200);
    expect(sent).toHaveLength(2);
    expect(sent[0]?.["X-CSRF-Token"]).toBe("tok/en");
    expect(ended).not.toHaveBeenCalled();
    // The refresh is refused: the 401 comes back and the session is ended.
    status = 401;
    sent.length = 0;
    const refused = await upload("/x", new Blob(["a"]), "text/csv", () => undefined, () => Promise.resolve(false), ended);
    expect(refused.status).toBe(401);
    expect(sent).toHaveLength(1);
    expect(ended).toHaveBeenCalledTimes(1);
    vi.unstubAllGlobals();
  });
});

// Review item 29: one Japan-time helper instead of a +9 h copy per screen.
describe("japanTime", () => {
  it("gives the day and time in Japan whatever the browser's zone", () => {
    expect(japanDay(Date.parse("2026-11-25T14:59:59Z"))).toBe("2026-11-25");
    expect(japanDay(Date.parse("2026-11-25T15:00:00Z"))).toBe("2026-11-26");
    expect(japanDateTime(Date.parse("2026-12-31T14:59:00Z"))).toBe("2026-12-31T23:59:00");
  });
});
