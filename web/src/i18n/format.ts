/** Dates in each language, with the Japanese era where Japanese documents would show it (S6.4, S16.2). */
import { eraOfDate, eraYearsOf, formatEraYearEn, formatEraYearJa } from "../lib/era";
import { htmlLangOf, type Lang } from "./languages";

/** The label of a year in the date-of-birth year select: 1950年（昭和25年）. */
export function yearLabel(year: number, lang: Lang): string {
  const eras = eraYearsOf(year);
  const ja = eras.map(formatEraYearJa).join("・");
  switch (lang) {
    case "ja":
    case "ja-easy":
    case "zh-Hans":
      return ja === "" ? `${year}年` : `${year}年（${ja}）`;
    case "ko":
      return ja === "" ? `${year}년` : `${year}년 (${ja})`;
    case "en":
      return eras.length === 0 ? String(year) : `${year} (${eras.map(formatEraYearEn).join(" / ")})`;
    case "vi":
      return ja === "" ? String(year) : `${year} (${ja})`;
  }
}

export function monthLabel(month: number, lang: Lang): string {
  switch (lang) {
    case "ja":
    case "ja-easy":
    case "zh-Hans":
      return `${month}月`;
    case "ko":
      return `${month}월`;
    case "en":
      return new Intl.DateTimeFormat("en", { month: "long", timeZone: "UTC" }).format(Date.UTC(2000, month - 1, 1));
    case "vi":
      return `Tháng ${month}`;
  }
}

export function dayLabel(day: number, lang: Lang): string {
  switch (lang) {
    case "ja":
    case "ja-easy":
    case "zh-Hans":
      return `${day}日`;
    case "ko":
      return `${day}일`;
    case "en":
    case "vi":
      return String(day);
  }
}

/** A birth date for the confirm page: 1950年4月1日（昭和25年）. */
export function dateOfBirthLabel(isoDate: string, lang: Lang): string {
  const [year = 0, month = 0, day = 0] = isoDate.split("-").map(Number);
  const era = eraOfDate(isoDate);
  const eraJa = era === undefined ? "" : formatEraYearJa(era);
  switch (lang) {
    case "ja":
    case "ja-easy":
    case "zh-Hans":
      return `${year}年${month}月${day}日` + (eraJa === "" ? "" : `（${eraJa}）`);
    case "ko":
      return `${year}년 ${month}월 ${day}일` + (eraJa === "" ? "" : ` (${eraJa})`);
    case "en":
      return `${day} ${monthLabel(month, "en")} ${year}` + (era === undefined ? "" : ` (${formatEraYearEn(era)})`);
    case "vi":
      return `${day}/${month}/${year}` + (eraJa === "" ? "" : ` (${eraJa})`);
  }
}

/** A moment (check-in time) in the reader's language and the device's time zone. */
export function dateTimeLabel(isoDateTime: string, lang: Lang): string {
  const date = new Date(isoDateTime);
  if (Number.isNaN(date.getTime())) return isoDateTime;
  return new Intl.DateTimeFormat(htmlLangOf(lang), { dateStyle: "long", timeStyle: "short" }).format(date);
}
