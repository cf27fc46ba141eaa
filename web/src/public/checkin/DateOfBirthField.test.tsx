import { cleanup, fireEvent, render, screen } from "@testing-library/preact";
import { useState } from "preact/hooks";
import { afterEach, describe, expect, it } from "vitest";
import { DateOfBirthField, keepValidDay, OLDEST_AGE, yearGroups, type DateParts } from "./DateOfBirthField";

afterEach(cleanup);

const TEXT = { required: "必須", optional: "任意", legend: "生年月日", hint: "年・月・日を選んでください。", year: "年", month: "月", day: "日", choose: "選んでください", chooseShort: "選ぶ" };

function Harness({ initial }: { initial: DateParts }) {
  const [value, setValue] = useState(initial);
  return <DateOfBirthField id="dob" value={value} onChange={setValue} error={undefined} lang="ja" text={TEXT} currentYear={2026} />;
}

// S16.2 and issue 5: a few taps, not a 70-tap calendar; only dates that exist.
describe("DateOfBirthField", () => {
  it("offers every year from the oldest to this one, grouped by era", () => {
    const groups = yearGroups(2026);
    expect(groups.map((group) => group.label)).toEqual(["大正", "昭和", "平成", "令和"]) // 1916 is 大正5年;
    const years = groups.flatMap((group) => group.years);
    expect(years[0]).toBe(2026 - OLDEST_AGE);
    expect(years.at(-1)).toBe(2026);
    expect(years).toHaveLength(OLDEST_AGE + 1);
  });

  it("labels each year with its era", () => {
    render(<Harness initial={{ year: "", month: "", day: "" }} />);
    const year = screen.getByLabelText<HTMLSelectElement>("年");
    expect(year.querySelector("option[value='1950']")?.textContent).toBe("1950年（昭和25年）");
    expect(year.getAttribute("aria-describedby")).toBe("dob-hint");
  });

  it("offers only the days of the chosen month", () => {
    render(<Harness initial={{ year: "1952", month: "2", day: "" }} />);
    const day = screen.getByLabelText<HTMLSelectElement>("日");
    expect(day.options).toHaveLength(1 + 29);
    fireEvent.change(screen.getByLabelText("年"), { target: { value: "1950" } });
    expect((screen.getByLabelText<HTMLSelectElement>("日")).options).toHaveLength(1 + 28);
  });

  it("clears a day that no longer exists instead of moving it", () => {
    expect(keepValidDay({ year: "1950", month: "2", day: "30" })).toEqual({ year: "1950", month: "2", day: "" });
    expect(keepValidDay({ year: "", month: "2", day: "29" })).toEqual({ year: "", month: "2", day: "29" });
    expect(keepValidDay({ year: "1951", month: "2", day: "29" })).toEqual({ year: "1951", month: "2", day: "" });
    expect(keepValidDay({ year: "1950", month: "4", day: "30" })).toEqual({ year: "1950", month: "4", day: "30" });
  });
});
