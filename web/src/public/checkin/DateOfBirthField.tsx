/**
 * Date of birth in three taps (S16.2, issue 5): year, month and day as large selects instead of
 * a calendar that needs dozens of taps to reach 1950. Each year shows its Japanese era
 * (1950年（昭和25年）) because many elderly people know their birthday by the era; the day list
 * only offers days that exist in the chosen month.
 */
import type { JSX } from "preact";
import { dayLabel, monthLabel, yearLabel } from "../../i18n/format";
import type { Lang } from "../../i18n/languages";
import { daysInMonth } from "../../lib/date";
import { ERAS } from "../../lib/era";
import { describedBy, FieldGroup, type FieldText } from "../../components/fields";

/** The oldest year offered: people over 110 can still be registered by staff (S1.6). */
export const OLDEST_AGE = 110;

export interface DateParts {
  year: string;
  month: string;
  day: string;
}

export interface DateOfBirthText extends FieldText {
  legend: string;
  hint: string;
  year: string;
  month: string;
  day: string;
  choose: string;
  chooseShort: string;
}

/** Years from the oldest to this one, grouped by the era they start in (easier to scan). */
export function yearGroups(currentYear: number): { label: string; years: number[] }[] {
  const first = currentYear - OLDEST_AGE;
  const groups: { label: string; years: number[] }[] = [];
  for (let year = first; year <= currentYear; year += 1) {
    const era = [...ERAS].reverse().find((candidate) => Number(candidate.start.slice(0, 4)) <= year);
    const label = era === undefined ? "" : era.name;
    const last = groups[groups.length - 1];
    if (last !== undefined && last.label === label) last.years.push(year);
    else groups.push({ label, years: [year] });
  }
  return groups;
}

/** When the month or year changes, a day that no longer exists is cleared rather than shifted. */
export function keepValidDay(parts: DateParts): DateParts {
  if (parts.day === "" || parts.month === "") return parts;
  const year = parts.year === "" ? 2000 : Number(parts.year); // a leap year keeps 29 February
  return Number(parts.day) <= daysInMonth(year, Number(parts.month)) ? parts : { ...parts, day: "" };
}

export function DateOfBirthField({
  id,
  value,
  onChange,
  error,
  lang,
  text,
  currentYear,
}: {
  id: string;
  value: DateParts;
  onChange: (value: DateParts) => void;
  error: string | JSX.Element | undefined;
  lang: Lang;
  text: DateOfBirthText;
  currentYear: number;
}) {
  const maxDay = value.month === "" ? 31 : daysInMonth(value.year === "" ? 2000 : Number(value.year), Number(value.month));
  const errorId = error === undefined ? undefined : `${id}-error`;
  const selectProps = {
    "aria-invalid": error === undefined ? undefined : ("true" as const),
    "aria-describedby": describedBy(errorId, `${id}-hint`),
    "aria-required": "true" as const,
  };
  const update = (patch: Partial<DateParts>) => onChange(keepValidDay({ ...value, ...patch }));
  return (
    <FieldGroup id={id} legend={text.legend} required text={text} hint={text.hint} error={error} class="date-of-birth">
      <div class="date-parts">
        <div class="date-part date-part-year">
          <label for={`${id}-year`}>{text.year}</label>
          <select id={`${id}-year`} autocomplete="bday-year" value={value.year} onChange={(event) => update({ year: event.currentTarget.value })} {...selectProps}>
            <option value="">{text.choose}</option>
            {yearGroups(currentYear).map((group) => (
              <optgroup key={group.label} label={group.label}>
                {group.years.map((year) => (
                  <option key={year} value={String(year)}>
                    {yearLabel(year, lang)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
        <div class="date-part">
          <label for={`${id}-month`}>{text.month}</label>
          <select id={`${id}-month`} autocomplete="bday-month" value={value.month} onChange={(event) => update({ month: event.currentTarget.value })} {...selectProps}>
            <option value="">{text.chooseShort}</option>
            {Array.from({ length: 12 }, (_, index) => index + 1).map((month) => (
              <option key={month} value={String(month)}>
                {monthLabel(month, lang)}
              </option>
            ))}
          </select>
        </div>
        <div class="date-part">
          <label for={`${id}-day`}>{text.day}</label>
          <select id={`${id}-day`} autocomplete="bday-day" value={value.day} onChange={(event) => update({ day: event.currentTarget.value })} {...selectProps}>
            <option value="">{text.chooseShort}</option>
            {Array.from({ length: maxDay }, (_, index) => index + 1).map((day) => (
              <option key={day} value={String(day)}>
                {dayLabel(day, lang)}
              </option>
            ))}
          </select>
        </div>
      </div>
    </FieldGroup>
  );
}
