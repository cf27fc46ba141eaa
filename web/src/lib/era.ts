/**
 * Japanese eras (和暦) for showing a Western year next to the era year that elderly people know
 * their birthday by (昭和25年 = 1950; S6.4 offers the same choice on the kiosk).
 */
export interface Era {
  /** 明治, 大正, 昭和, 平成, 令和 */
  readonly name: string;
  /** The era's name in Latin letters, for English readers. */
  readonly romaji: string;
  /** First day of the era, `YYYY-MM-DD`. */
  readonly start: string;
}

export const ERAS: readonly Era[] = [
  { name: "明治", romaji: "Meiji", start: "1868-10-23" },
  { name: "大正", romaji: "Taisho", start: "1912-07-30" },
  { name: "昭和", romaji: "Showa", start: "1926-12-25" },
  { name: "平成", romaji: "Heisei", start: "1989-01-08" },
  { name: "令和", romaji: "Reiwa", start: "2019-05-01" },
];

export interface EraYear {
  readonly era: Era;
  /** 1 is written 元年 in Japanese. */
  readonly year: number;
}

function startYear(era: Era): number {
  return Number(era.start.slice(0, 4));
}

/** The era of a date given as `YYYY-MM-DD` (undefined before Meiji). */
export function eraOfDate(isoDate: string): EraYear | undefined {
  for (let index = ERAS.length - 1; index >= 0; index -= 1) {
    const era = ERAS[index];
    if (era !== undefined && isoDate >= era.start) {
      return { era, year: Number(isoDate.slice(0, 4)) - startYear(era) + 1 };
    }
  }
  return undefined;
}

/** Every era year a Western year falls in: one, or two in the year an era changed (1989 = 昭和64年・平成元年). */
export function eraYearsOf(year: number): EraYear[] {
  const result: EraYear[] = [];
  ERAS.forEach((era, index) => {
    const first = startYear(era);
    const next = ERAS[index + 1];
    // An era that starts on 1 January would not reach into the year it ends in; none does.
    const last = next === undefined ? Number.POSITIVE_INFINITY : startYear(next);
    if (year >= first && year <= last) result.push({ era, year: year - first + 1 });
  });
  return result;
}

/** 昭和25年, 平成元年 */
export function formatEraYearJa({ era, year }: EraYear): string {
  return `${era.name}${year === 1 ? "元" : String(year)}年`;
}

/** Showa 25 */
export function formatEraYearEn({ era, year }: EraYear): string {
  return `${era.romaji} ${year}`;
}
