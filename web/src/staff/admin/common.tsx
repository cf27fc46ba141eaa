/**
 * What the administrator's screens share (S10.5-S10.8): the admin-only guard, the staff
 * language's texts, date formatting in Japan time, and the required/optional words of fields.
 */
import type { ComponentChildren } from "preact";
import { FocusHeading } from "../../components/FocusHeading";
import { useStaffText } from "../../i18n/context";
import type { StaffLang } from "../../i18n/languages";
import { JAPAN_OFFSET, japanDateTime } from "../../lib/japanTime";
import { useSession } from "../session";

export { useFieldText } from "../fieldText";

/** Administrators only (every route here requires the administrator role); others get a plain word. */
export function AdminOnly({ title, children }: { title: string; children: ComponentChildren }) {
  const { t } = useStaffText();
  const session = useSession();
  if (!session.isAdministrator) {
    return (
      <>
        <FocusHeading>{title}</FocusHeading>
        <p class="lead" data-testid="admin-only">
          {t("admin.adminOnly")}
        </p>
      </>
    );
  }
  return <>{children}</>;
}

/** 2026/11/25 10:05 in Japan time (the municipality's clock), whatever the browser's zone. */
export function dateTime(value: string | null | undefined, lang: StaffLang): string {
  if (value === null || value === undefined || Number.isNaN(Date.parse(value))) return "";
  return new Intl.DateTimeFormat(lang === "ja" ? "ja-JP" : "en-GB", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Asia/Tokyo",
  }).format(new Date(value));
}

/** `<input type=datetime-local>` value (Japan time) -> ISO 8601 with +09:00; "" -> null. */
export function fromLocalInput(value: string): string | null {
  if (value.trim() === "") return null;
  const withSeconds = /T\d{2}:\d{2}$/.test(value) ? `${value}:00` : value;
  return `${withSeconds}${JAPAN_OFFSET}`;
}

/** ISO 8601 -> `<input type=datetime-local>` value in Japan time; "" for none. */
export function toLocalInput(value: string | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(Date.parse(value))) return "";
  return japanDateTime(Date.parse(value)).slice(0, 16);
}

/** "13101-0001, 13101-0002" -> the ids, trimmed, without blanks or repeats. */
export function shelterIdsOf(text: string): string[] {
  return [...new Set(text.split(/[,、\s]+/).map((id) => id.trim()).filter((id) => id !== ""))];
}

/** 1536 -> "1.5 KB". */
export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
