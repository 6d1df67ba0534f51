import { releaseAfter } from './cleanup';

/**
 * The timeouts armed from now until the end of the test and not yet fired or cleared, unref'd ones
 * included (the process's active resources leave those out).
 */
export function armedTimeouts(): ReadonlySet<NodeJS.Timeout> {
  const armed = new Set<NodeJS.Timeout>();
  const { setTimeout: realSet, clearTimeout: realClear } = globalThis;
  globalThis.setTimeout = ((fn: () => void, ms: number) => {
    const t = realSet(() => (armed.delete(t), fn()), ms);
    armed.add(t);
    return t;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((t: NodeJS.Timeout) => (armed.delete(t), realClear(t))) as typeof clearTimeout;
  releaseAfter('timeout spies', () => Object.assign(globalThis, { setTimeout: realSet, clearTimeout: realClear }));
  return armed;
}

/**
 * Intervals armed from now until the end of the test: `armed` holds those not yet cleared, and
 * `ticks(n)` resolves once the intervals have fired n more times in all (an event, not a window).
 */
export function armedIntervals(): { armed: ReadonlySet<NodeJS.Timeout>; ticks(n: number): Promise<void> } {
  const armed = new Set<NodeJS.Timeout>();
  let fired = 0;
  let waiters: { at: number; resolve: () => void }[] = [];
  const { setInterval: realSet, clearInterval: realClear } = globalThis;
  globalThis.setInterval = ((fn: () => void, ms: number) => {
    const t = realSet(() => {
      fn();
      fired += 1;
      waiters.filter((w) => w.at <= fired).forEach((w) => w.resolve());
      waiters = waiters.filter((w) => w.at > fired);
    }, ms);
    armed.add(t);
    return t;
  }) as typeof setInterval;
  globalThis.clearInterval = ((t: NodeJS.Timeout) => (armed.delete(t), realClear(t))) as typeof clearInterval;
  releaseAfter('interval spies', () => Object.assign(globalThis, { setInterval: realSet, clearInterval: realClear }));
  return { armed, ticks: (n) => new Promise((resolve) => waiters.push({ at: fired + n, resolve })) };
}

/** An interval of the manual clock: its callback, period and next due time. */
class ManualInterval {
  constructor(
    readonly fn: () => void,
    readonly ms: number,
    public due: number,
  ) {}
  unref(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
}

/**
 * Intervals on a clock the test moves: from now until the end of the test, setInterval arms an
 * interval that fires only when `advance(ms)` moves the clock past its due time (as often as it is due,
 * in order), and clearInterval disarms it. `armed` is how many are armed.
 */
export function manualIntervals(): { advance(ms: number): void; readonly armed: number } {
  let now = 0;
  const armed = new Set<ManualInterval>();
  const { setInterval: realSet, clearInterval: realClear } = globalThis;
  globalThis.setInterval = ((fn: () => void, ms: number) => {
    const t = new ManualInterval(fn, ms, now + ms);
    armed.add(t);
    return t;
  }) as unknown as typeof setInterval;
  globalThis.clearInterval = ((t: unknown) => {
    if (t instanceof ManualInterval) armed.delete(t);
    else realClear(t as NodeJS.Timeout);
  }) as typeof clearInterval;
  releaseAfter('manual intervals', () => Object.assign(globalThis, { setInterval: realSet, clearInterval: realClear }));
  return {
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const next = [...armed].sort((a, b) => a.due - b.due)[0];
        if (!next || next.due > until) break;
        now = next.due;
        next.due += next.ms;
        next.fn();
      }
      now = until;
    },
    get armed() {
      return armed.size;
    },
  };
}
