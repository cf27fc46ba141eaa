import { describe, expect, it } from "vitest";
import { eraOfDate, eraYearsOf, formatEraYearEn, formatEraYearJa } from "./era";

// S6.4 / S16.2: elderly people know their birth year by the era; the form shows both.
describe("eraYearsOf", () => {
  it("gives 昭和25年 for 1950", () => {
    expect(eraYearsOf(1950).map(formatEraYearJa)).toEqual(["昭和25年"]);
  });

  it("gives both eras in a year the era changed, with 元年 for the first year", () => {
    expect(eraYearsOf(1989).map(formatEraYearJa)).toEqual(["昭和64年", "平成元年"]);
    expect(eraYearsOf(2019).map(formatEraYearJa)).toEqual(["平成31年", "令和元年"]);
    expect(eraYearsOf(1926).map(formatEraYearJa)).toEqual(["大正15年", "昭和元年"]);
  });

  it("reads in Latin letters for English", () => {
    expect(eraYearsOf(2026).map(formatEraYearEn)).toEqual(["Reiwa 8"]);
  });
});

describe("eraOfDate", () => {
  it("uses the day the era began", () => {
    expect(formatEraYearJa(eraOfDate("1989-01-07")!)).toBe("昭和64年");
    expect(formatEraYearJa(eraOfDate("1989-01-08")!)).toBe("平成元年");
    expect(formatEraYearJa(eraOfDate("2019-04-30")!)).toBe("平成31年");
    expect(formatEraYearJa(eraOfDate("2019-05-01")!)).toBe("令和元年");
  });

  it("has no era before Meiji", () => {
    expect(eraOfDate("1800-01-01")).toBeUndefined();
  });
});
