/** Roster logic without markup (S11): the query string of a filter and the page arithmetic. */
import type { Presence, RosterEntry } from "../api/clients";

export const PAGE_SIZE = 20;

export interface RosterFilter {
  readonly name: string;
  readonly status: Presence;
  /** Training-mode check-ins (訓練) instead of the real roster. */
  readonly training: boolean;
  /** One of the status items (要介護 ...); "" for any. */
  readonly statusItem: string;
}

export const NO_FILTER: RosterFilter = { name: "", status: "present", training: false, statusItem: "" };

/** The query of the entries list and the CSV (the name as typed: the service folds kanji/kana). */
export function filterQuery(filter: RosterFilter): { name?: string; status: Presence; status_item?: string; training?: boolean } {
  const name = filter.name.trim();
  return {
    ...(name === "" ? {} : { name }),
    status: filter.status,
    ...(filter.statusItem === "" ? {} : { status_item: filter.statusItem }),
    ...(filter.training ? { training: true } : {}),
  };
}

export function csvPath(shelterId: string, filter: RosterFilter): string {
  const query = new URLSearchParams(Object.entries(filterQuery(filter)).map(([key, value]) => [key, String(value)])).toString();
  return `/api/roster/shelters/${encodeURIComponent(shelterId)}/entries.csv?${query}`;
}

/** "1–20 of 45": the first and last position shown (1-based), none when the page is empty. */
export function pageRange(offset: number, shown: number, total: number): { from: number; to: number; total: number } {
  if (shown === 0) return { from: 0, to: 0, total };
  return { from: offset + 1, to: offset + shown, total };
}

export function fullName(entry: Pick<RosterEntry, "personal">): string {
  return `${entry.personal.family_name} ${entry.personal.given_name}`;
}

export function kanaName(entry: Pick<RosterEntry, "personal">): string {
  return [entry.personal.family_name_kana, entry.personal.given_name_kana].filter((part) => part !== null && part !== undefined && part !== "").join(" ");
}

/** A byte count for the CSV progress line: 512 B, 12.3 KB, 4.5 MB. */
export function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The fields an edit sends: only what changed, so the history names exactly those (S11.1). */
export interface EditableFields {
  readonly family_name: string;
  readonly given_name: string;
  readonly family_name_kana: string;
  readonly given_name_kana: string;
  readonly address: string;
  readonly phone: string;
  readonly remarks: string;
}

export function editableOf(entry: RosterEntry): EditableFields {
  return {
    family_name: entry.personal.family_name,
    given_name: entry.personal.given_name,
    family_name_kana: entry.personal.family_name_kana ?? "",
    given_name_kana: entry.personal.given_name_kana ?? "",
    address: entry.personal.address,
    phone: entry.personal.phone ?? "",
    remarks: entry.remarks ?? "",
  };
}

const OPTIONAL: ReadonlySet<string> = new Set(["family_name_kana", "given_name_kana", "phone"]);

export function changesOf(
  before: EditableFields,
  after: EditableFields,
  revision: number,
): { personal?: Record<string, string | null>; remarks?: string | null; revision: number } | undefined {
  const personal: Record<string, string | null> = {};
  for (const key of ["family_name", "given_name", "family_name_kana", "given_name_kana", "address", "phone"] as const) {
    if (before[key] === after[key]) continue;
    // An emptied optional field is removed (null); an emptied required one is sent as is and refused.
    personal[key] = OPTIONAL.has(key) && after[key].trim() === "" ? null : after[key];
  }
  const remarksChanged = before.remarks !== after.remarks;
  if (Object.keys(personal).length === 0 && !remarksChanged) return undefined;
  return {
    ...(Object.keys(personal).length > 0 ? { personal } : {}),
    ...(remarksChanged ? { remarks: after.remarks.trim() === "" ? null : after.remarks } : {}),
    revision,
  };
}

/** A check-out this page made that the roster (a read model fed by events) may not show yet. */
export interface PendingCheckOut {
  readonly checked_out_at: string | null;
  readonly forced_check_out: boolean;
}

/**
 * A roster page read with this page's own pending check-outs laid over it: a re-read that comes
 * before the event would otherwise show the person as present again (and offer the forced
 * check-out a second time). Entries that show the check-out are dropped from `pending`.
 */
export function withPendingCheckOuts<T extends { readonly stay_id: string; readonly checked_out_at: string | null; readonly forced_check_out: boolean }>(
  items: readonly T[],
  pending: Map<string, PendingCheckOut>,
): T[] {
  return items.map((item) => {
    const mine = pending.get(item.stay_id);
    if (mine === undefined) return item;
    if (item.checked_out_at !== null) {
      pending.delete(item.stay_id);
      return item;
    }
    return { ...item, checked_out_at: mine.checked_out_at, forced_check_out: mine.forced_check_out };
  });
}

/**
 * A re-read page (after a change elsewhere) that still shows the entry whose editor is open:
 * when the new page no longer holds it (newer check-ins pushed it to the next page, or the
 * filter no longer matches it), it stays at its old place so the editor and its draft are not
 * thrown away. Without an open editor the new page is taken as it is.
 */
export function keepingOpenEntry<T extends { readonly stay_id: string }>(next: readonly T[], previous: readonly T[] | undefined, openStayId: string | undefined): T[] {
  if (openStayId === undefined || next.some((item) => item.stay_id === openStayId)) return [...next];
  const index = previous?.findIndex((item) => item.stay_id === openStayId) ?? -1;
  const kept = index < 0 ? undefined : previous?.[index];
  if (kept === undefined) return [...next];
  // Right after the nearest entry that was above it and is still on the page.
  let at = 0;
  for (let above = index - 1; above >= 0; above -= 1) {
    const found = next.findIndex((item) => item.stay_id === previous?.[above]?.stay_id);
    if (found >= 0) {
      at = found + 1;
      break;
    }
  }
  return [...next.slice(0, at), kept, ...next.slice(at)];
}
