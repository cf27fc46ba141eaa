import { beforeEach, describe, expect, it } from "vitest";
import { forgetStay, referenceOf, rememberStay, storedStay } from "./stays";

// Check-out later from the same phone (S10 public 2): the stay id is kept per shelter.
describe("stays", () => {
  beforeEach(() => localStorage.clear());

  it("remembers and forgets a stay per shelter", () => {
    const stay = { stayId: "0b9f3c2e-1111-4222-8333-444455556666", checkedInAt: "2026-11-25T07:00:00Z" };
    rememberStay(localStorage, "13101-0001", stay);
    expect(storedStay(localStorage, "13101-0001")).toEqual(stay);
    expect(storedStay(localStorage, "13101-0002")).toBeUndefined();
    forgetStay(localStorage, "13101-0001");
    expect(storedStay(localStorage, "13101-0001")).toBeUndefined();
  });

  it("survives a damaged entry", () => {
    localStorage.setItem("shelter-checkin.stays", "{not json");
    expect(storedStay(localStorage, "x")).toBeUndefined();
    localStorage.setItem("shelter-checkin.stays", JSON.stringify({ x: { stayId: 3 } }));
    expect(storedStay(localStorage, "x")).toBeUndefined();
    localStorage.setItem("shelter-checkin.stays", JSON.stringify({ x: { stayId: "id" } }));
    expect(storedStay(localStorage, "x")).toEqual({ stayId: "id" });
  });

  it("keeps no personal data", () => {
    rememberStay(localStorage, "s", { stayId: "id", checkedInAt: "t" });
    expect(localStorage.getItem("shelter-checkin.stays")).toBe('{"s":{"stayId":"id","checkedInAt":"t"}}');
  });

  it("shortens the stay id to a reference number", () => {
    expect(referenceOf("0b9f3c2e-1111-4222-8333-444455556666")).toBe("0B9F3C2E");
  });
});
