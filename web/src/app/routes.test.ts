import { describe, expect, it } from "vitest";
import { checkInPath, matchRoute } from "./routes";

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
  });

  it("says not found for anything else", () => {
    expect(matchRoute("/")).toEqual({ name: "home" });
    expect(matchRoute("/checkin")).toEqual({ name: "notFound" });
    expect(matchRoute("/checkin/a/b")).toEqual({ name: "notFound" });
    expect(matchRoute("/checkin/%E0%A4%A")).toEqual({ name: "notFound" });
    expect(matchRoute("/staff/nothing")).toEqual({ name: "notFound" });
  });
});
