import { describe, expect, it } from "vitest";
import { checkInPath, matchRoute, rosterPath } from "./routes";

describe("matchRoute", () => {
  it("opens the check-in page from the shelter's QR URL (S1.2, S16.2)", () => {
    expect(matchRoute("/checkin/13101-0001")).toEqual({ name: "checkin", shelterId: "13101-0001" });
    expect(matchRoute("/checkin/13101-0001/")).toEqual({ name: "checkin", shelterId: "13101-0001" });
    expect(matchRoute(checkInPath("a b"))).toEqual({ name: "checkin", shelterId: "a b" });
  });

  it("opens check-out and the staff shell", () => {
    expect(matchRoute("/checkout/13101-0001")).toEqual({ name: "checkout", shelterId: "13101-0001" });
    expect(matchRoute("/staff")).toEqual({ name: "staff", section: "signIn" });
    expect(matchRoute("/staff/roster")).toEqual({ name: "staff", section: "roster" });
    expect(matchRoute("/staff/password")).toEqual({ name: "staff", section: "password" });
  });

  it("opens one shelter's roster (S10.4)", () => {
    expect(matchRoute(rosterPath("13101-0001"))).toEqual({ name: "staff", section: "roster", shelterId: "13101-0001" });
    expect(matchRoute(rosterPath("a b"))).toEqual({ name: "staff", section: "roster", shelterId: "a b" });
    expect(matchRoute("/staff/home/x")).toEqual({ name: "notFound" });
  });

  it("opens the public search and the open shelters (S10 public 1, S13-S14)", () => {
    expect(matchRoute("/search")).toEqual({ name: "search" });
    expect(matchRoute("/shelters/")).toEqual({ name: "shelters" });
    expect(matchRoute("/search/x")).toEqual({ name: "notFound" });
    expect(matchRoute("/staff/shelter-admin")).toEqual({ name: "staff", section: "shelterAdmin" });
    expect(matchRoute("/staff/logs")).toEqual({ name: "staff", section: "logs" });
    // The disaster-closed screen (災害収束, S10.3, S13.1).
    expect(matchRoute("/staff/disaster")).toEqual({ name: "staff", section: "disaster" });
  });

  it("says not found for anything else", () => {
    expect(matchRoute("/")).toEqual({ name: "home" });
    expect(matchRoute("/checkin")).toEqual({ name: "notFound" });
    expect(matchRoute("/checkin/a/b")).toEqual({ name: "notFound" });
    expect(matchRoute("/checkin/%E0%A4%A")).toEqual({ name: "notFound" });
    expect(matchRoute("/staff/nothing")).toEqual({ name: "notFound" });
  });
});
