import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createThrottle } from "./throttle";

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

// Review item 7: the home page's totals must be read during a surge of events, not only after it.
describe("createThrottle", () => {
  it("runs at once, then at most once per interval while triggers keep coming", () => {
    const run = vi.fn();
    const throttle = createThrottle(run, 1000);
    throttle.trigger();
    expect(run).toHaveBeenCalledTimes(1);
    // A surge: a trigger every 100 ms for 3.5 s.
    for (let step = 0; step < 35; step += 1) {
      vi.advanceTimersByTime(100);
      throttle.trigger();
    }
    expect(run.mock.calls.length).toBeGreaterThanOrEqual(4);
    expect(run.mock.calls.length).toBeLessThanOrEqual(5);
    throttle.cancel();
    vi.advanceTimersByTime(5000);
    const after = run.mock.calls.length;
    vi.advanceTimersByTime(5000);
    expect(run.mock.calls.length).toBe(after);
  });
});
