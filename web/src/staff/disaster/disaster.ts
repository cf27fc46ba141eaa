/**
 * The disaster-closed screen's logic (災害収束, S10.3, S13.1): the phrase the administrator
 * types, the disaster file's name, the open shelters that block the closure (from the shelter
 * list or registration's `shelters-open` problem) and the per-service deletion status.
 */
import type { RegistrationSchema, ShelterPublic } from "../../api/clients";
import type { StaffMessage } from "../messages";
import { japanDateTime } from "../../lib/japanTime";

export type DisasterStatus = RegistrationSchema["DisasterStatusPublic"];
export type ServiceDeletion = RegistrationSchema["ServiceDeletionPublic"];
export type DisasterClosure = RegistrationSchema["DisasterClosurePublic"];
export type Deletion = ServiceDeletion["deletion"];

/** What the administrator types to confirm (registration's CONFIRMATION_PHRASE). */
export const CONFIRMATION_PHRASE = "災害収束";
export const EXPORT_URL = "/api/roster/disaster/export.zip";
export const CLOSE_URL = "/api/registration/disaster/close";
export const STATUS_URL = "/api/registration/disaster/status";
/** How often the deletion status is read again until every service confirmed. */
export const POLL_INTERVAL_MS = 2000;
/**
 * Refusals that pass by themselves: check-ins still being delivered, and the roster's report of
 * the download not yet arrived at registration (both travel through Kafka). The close is tried
 * again this many times, this far apart, before the refusal is shown.
 */
export const CLOSE_RETRIES = 8;
export const CLOSE_RETRY_MS = 1000;
const PASSING_REFUSALS = new Set(["events-pending", "export-required"]);

/** Whether to try the close again shortly rather than show the refusal. */
export function passesByItself(message: StaffMessage): boolean {
  return PASSING_REFUSALS.has(message.slug);
}

/** The download no longer counts: it came before the last shelter closed (export-required, shelters-open). */
export function needsNewDownload(message: StaffMessage): boolean {
  return message.slug === "export-required" || message.slug === "shelters-open";
}

/** Whether the typed text is the phrase, as registration compares it (surrounding spaces ignored). */
export function phraseMatches(typed: string): boolean {
  return typed.trim() === CONFIRMATION_PHRASE;
}

/** disaster-20261125-193000.zip, stamped in Japan time (the municipality's clock). */
export function exportFileName(now: number = Date.now()): string {
  const japan = japanDateTime(now);
  return `disaster-${japan.slice(0, 10).replaceAll("-", "")}-${japan.slice(11, 19).replaceAll(":", "")}.zip`;
}

/** The shelters still open (not deleted), as the closure would refuse them. */
export function openSheltersOf(shelters: readonly Pick<ShelterPublic, "shelter_id" | "is_open">[]): string[] {
  return shelters.filter((shelter) => shelter.is_open).map((shelter) => shelter.shelter_id);
}

/** The ids in a `shelters-open` problem's `open_shelters`; undefined for any other failure. */
export function openSheltersFromProblem(message: StaffMessage): string[] | undefined {
  if (message.slug !== "shelters-open") return undefined;
  const ids = message.extensions["open_shelters"];
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
}

/** Services whose deletion is settled (confirmed, or nothing to delete) out of those holding personal data. */
export function deletionProgress(status: Pick<DisasterStatus, "services">): { done: number; all: number } {
  const holding = status.services.filter((service) => service.holds_personal_data);
  return { done: holding.filter((service) => service.deletion === "confirmed").length, all: holding.length };
}

/** Read the status again: a closure exists and some service has not confirmed yet. */
export function shouldPoll(status: DisasterStatus | null): boolean {
  return status !== null && status.closure !== null && !status.complete;
}

const KNOWN_SERVICES = ["registration", "roster", "stats", "integration", "auth"] as const;
export type KnownService = (typeof KNOWN_SERVICES)[number];

/** A service name the screen has words for; undefined for one it does not know (shown as is). */
export function knownService(name: string): KnownService | undefined {
  return KNOWN_SERVICES.find((known) => known === name);
}
