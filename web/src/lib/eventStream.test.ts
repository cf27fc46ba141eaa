import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openEventStream, retryDelay } from "./eventStream";

/** A stand-in EventSource the test drives: open, error (with the state the browser would set), message. */
class FakeSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static made: FakeSource[] = [];
  readyState = FakeSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  readonly listeners = new Map<string, (event: { data: string }) => void>();
  closed = false;
  constructor(readonly url: string) {
    FakeSource.made.push(this);
  }
  addEventListener(name: string, listener: (event: { data: string }) => void) {
    this.listeners.set(name, listener);
  }
  close() {
    this.closed = true;
    this.readyState = FakeSource.CLOSED;
  }
  open() {
    this.readyState = FakeSource.OPEN;
    this.onopen?.();
  }
  fail(state: number) {
    this.readyState = state;
    this.onerror?.();
  }
}

beforeEach(() => {
  FakeSource.made = [];
  vi.useFakeTimers();
  vi.stubGlobal("EventSource", FakeSource);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

// Review item 3: a 502 from the gateway closes an EventSource for good.
describe("openEventStream (S13 live figures)", () => {
  it("waits longer after each failure, up to 30 s", () => {
    expect([0, 1, 2, 5, 10].map(retryDelay)).toEqual([1000, 2000, 4000, 30000, 30000]);
  });

  it("opens a new stream after an HTTP error closed it, and only one per failure", () => {
    const seen: string[] = [];
    const stop = openEventStream("/api/stats/events", ["shelter-deleted"], {
      onOpen: () => seen.push("open"),
      onDown: () => seen.push("down"),
      onEvent: (type, data) => seen.push(`${type}:${data}`),
    });
    expect(FakeSource.made).toHaveLength(1);
    const first = FakeSource.made[0]!;
    first.open();
    first.onmessage?.({ data: "a" });
    first.listeners.get("shelter-deleted")?.({ data: "b" });
    // A dropped connection: the browser reconnects this one by itself.
    first.fail(FakeSource.CONNECTING);
    vi.advanceTimersByTime(60_000);
    expect(FakeSource.made).toHaveLength(1);
    // An HTTP error: closed for good, so a new one after 1 s.
    first.fail(FakeSource.CLOSED);
    vi.advanceTimersByTime(999);
    expect(FakeSource.made).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSource.made).toHaveLength(2);
    FakeSource.made[1]!.fail(FakeSource.CLOSED);
    vi.advanceTimersByTime(2000);
    expect(FakeSource.made).toHaveLength(3);
    FakeSource.made[2]!.open();
    expect(seen).toEqual(["open", "message:a", "shelter-deleted:b", "down", "down", "down", "open"]);
    stop();
    expect(FakeSource.made[2]!.closed).toBe(true);
  });

  it("does not reconnect once stopped", () => {
    const stop = openEventStream("/x", [], { onEvent: () => undefined });
    FakeSource.made[0]!.fail(FakeSource.CLOSED);
    stop();
    vi.advanceTimersByTime(60_000);
    expect(FakeSource.made).toHaveLength(1);
  });
});
