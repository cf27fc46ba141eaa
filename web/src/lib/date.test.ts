import { describe, expect, it } from "vitest";
import { daysInMonth, isValidDate, isoDate, localToday } from "./date";

// S16.2: only dates that exist can be chosen.
describe("dates", () => {
  it("knows the length of each month, leap years included", () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(1950, 4)).toBe(30);
    expect(daysInMonth(1950, 12)).toBe(31);
  });

  it("refuses dates that do not exist", () => {
    expect(isValidDate(1950, 2, 29)).toBe(false);
    expect(isValidDate(1952, 2, 29)).toBe(true);
    expect(isValidDate(1950, 13, 1)).toBe(false);
    expect(isValidDate(1950, 4, 31)).toBe(false);
  });

  it("writes the API's date format", () => {
    expect(isoDate(1950, 4, 1)).toBe("1950-04-01");
    expect(localToday(new Date(2026, 10, 5, 23, 59))).toBe("2026-11-05");
  });
});
