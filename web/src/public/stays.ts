/**
 * The stay ids of this phone's check-ins, kept in localStorage so the person can check out
 * later from the same phone (S10 public 2). Only the id and the time are kept, never personal data.
 */
export interface StoredStay {
  readonly stayId: string;
  /** Missing in stays saved by earlier versions (which also learnt stays from refusals). */
  readonly checkedInAt?: string;
}

const STORAGE_KEY = "shelter-checkin.stays";

type StayMap = Record<string, StoredStay>;

function isStoredStay(value: unknown): value is StoredStay {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record["stayId"] === "string" && ["string", "undefined"].includes(typeof record["checkedInAt"]);
}

function read(storage: Storage): StayMap {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(STORAGE_KEY) ?? "{}");
    if (typeof parsed !== "object" || parsed === null) return {};
    const stays: StayMap = {};
    for (const [shelterId, stay] of Object.entries(parsed)) if (isStoredStay(stay)) stays[shelterId] = stay;
    return stays;
  } catch {
    return {};
  }
}

function write(storage: Storage, stays: StayMap): void {
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify(stays));
  } catch {
    // Storage full or disabled: the done page still shows the reference number.
  }
}

export function storedStay(storage: Storage, shelterId: string): StoredStay | undefined {
  return read(storage)[shelterId];
}

export function rememberStay(storage: Storage, shelterId: string, stay: StoredStay): void {
  write(storage, { ...read(storage), [shelterId]: stay });
}

export function forgetStay(storage: Storage, shelterId: string): void {
  const stays = read(storage);
  delete stays[shelterId];
  write(storage, stays);
}

/** The short reference shown in large type: the stay id's first 8 characters. */
export function referenceOf(stayId: string): string {
  return stayId.replace(/-/g, "").slice(0, 8).toUpperCase();
}

export function localStorageOrUndefined(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}
