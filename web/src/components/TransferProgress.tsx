/**
 * The progress of an upload or download (CSV import, roster CSV, audit log): a visible line and a
 * <progress> bar that follow every chunk, and a separate, visually hidden live region that
 * screen readers hear only at the start, at about every quarter and at the end (review item 22:
 * a live region that changes per chunk floods them).
 */
import { announcementStep } from "./transferSteps";

export interface TransferProgressProps {
  /** For tests and the page's CSS hooks. */
  readonly testId?: string;
  readonly id: string;
  /** The bar's accessible name ("ダウンロードの進み具合"). */
  readonly label: string;
  /** The visible line (may change per chunk: not announced). */
  readonly line: string;
  /** Done so far and the whole (bytes, percent ...); total undefined while unknown. */
  readonly done: number;
  readonly total: number | undefined;
  /** What is announced: step 0 at the start, 1-3 at 25/50/75 %, 4 at the end. */
  readonly announce: (step: number, percent: number | undefined) => string;
}

export function TransferProgress({ testId, id, label, line, done, total, announce }: TransferProgressProps) {
  const step = announcementStep(done, total);
  return (
    <div class="progress-block" data-testid={testId}>
      <p id={`${id}-line`}>{line}</p>
      {total === undefined ? (
        <progress id={id} aria-label={label} aria-describedby={`${id}-line`} />
      ) : (
        <progress id={id} aria-label={label} aria-describedby={`${id}-line`} max={total} value={Math.min(done, total)} />
      )}
      <p role="status" class="visually-hidden" data-testid={testId === undefined ? undefined : `${testId}-announcement`}>
        {announce(step, step === 0 ? undefined : Math.min(100, step * 25))}
      </p>
    </div>
  );
}
