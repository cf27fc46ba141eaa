/**
 * A server-sent event stream that stays up (S13 live figures). The browser reconnects by itself
 * after a dropped connection, but an HTTP error answer (502 while the stats service restarts,
 * 429 from the gateway) closes an EventSource for good: then a new one is opened after a growing
 * wait (1 s, 2 s, 4 s ... at most 30 s), so the page does not say "reconnecting" forever.
 */

export interface StreamHandlers {
  /** The stream is (again) connected: the caller re-reads what it may have missed. */
  readonly onOpen?: () => void;
  /** The stream is down; it is being reconnected. */
  readonly onDown?: () => void;
  /** One event: `message` for unnamed ones, else the name from `events`. */
  readonly onEvent: (type: string, data: string) => void;
}

export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 30_000;

/** The wait before reconnect attempt `attempt` (0, 1, 2, ...). */
export function retryDelay(attempt: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempt));
}

/** Opens `url` and keeps it open until the returned function is called. */
export function openEventStream(url: string, events: readonly string[], handlers: StreamHandlers): () => void {
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let stopped = false;
  const connect = () => {
    timer = undefined;
    if (stopped) return;
    const current = new EventSource(url);
    source = current;
    current.onopen = () => {
      attempt = 0;
      handlers.onOpen?.();
    };
    current.onerror = () => {
      handlers.onDown?.();
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (an HTTP error answer).
      if (current.readyState !== EventSource.CLOSED || stopped || timer !== undefined) return;
      current.close();
      timer = setTimeout(connect, retryDelay(attempt));
      attempt += 1;
    };
    current.onmessage = (event: MessageEvent<string>) => handlers.onEvent("message", event.data);
    for (const name of events) {
      current.addEventListener(name, (event) => handlers.onEvent(name, (event as MessageEvent<string>).data));
    }
  };
  connect();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    source?.close();
  };
}
