/**
 * Which announcement a transfer is at: 0 from the start, 1, 2, 3 once a quarter, a half, three
 * quarters are done, 4 when all is done. An unknown total stays at 0 (the caller announces the
 * end with its own notice). Text that depends only on this step changes at most five times.
 */
export function announcementStep(done: number, total: number | undefined): number {
  if (total === undefined || total <= 0) return 0;
  if (done >= total) return 4;
  return Math.max(0, Math.min(3, Math.floor((done / total) * 4)));
}
