/**
 * At most one run per `intervalMs`: the first trigger runs at once, triggers during the interval
 * become one trailing run at its end. (A debounce would never run during a surge of events.)
 */
export interface Throttle {
  trigger(): void;
  cancel(): void;
}

export function createThrottle(run: () => void, intervalMs: number, now: () => number = () => Date.now()): Throttle {
  let last = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    timer = undefined;
    last = now();
    run();
  };
  return {
    trigger() {
      if (timer !== undefined) return;
      const wait = last + intervalMs - now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
