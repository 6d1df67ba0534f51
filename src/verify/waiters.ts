/**
 * Promises keyed by id, settled by whoever sees the id first. An id seen before anyone waits is
 * remembered (boundedly), so the order of "arrived" and "asked" does not matter.
 */
export interface Waiters<V> {
  /** Resolves with the value, or undefined at the deadline (or on stop). */
  wait(key: string, deadlineMs: number): Promise<V | undefined>;
  resolve(key: string, value: V): void;
  readonly pending: number;
  stop(): void;
}

export function createWaiters<V>(options: { remember: number; now: () => number }): Waiters<V> {
  const pending = new Map<string, { resolve: (v: V | undefined) => void; timer: NodeJS.Timeout }>();
  const seen = new Map<string, V>();

  return {
    wait(key, deadlineMs) {
      const early = seen.get(key);
      if (early !== undefined) {
        seen.delete(key);
        return Promise.resolve(early);
      }
      return new Promise((resolve) => {
        const timer = setTimeout(() => settle(key, undefined), Math.max(0, deadlineMs - options.now()));
        pending.set(key, { resolve, timer });
      });
    },
    resolve(key, value) {
      if (pending.has(key)) return settle(key, value);
      seen.set(key, value);
      if (seen.size > options.remember) seen.delete(seen.keys().next().value as string);
    },
    get pending() {
      return pending.size;
    },
    stop() {
      for (const key of [...pending.keys()]) settle(key, undefined);
    },
  };

  function settle(key: string, value: V | undefined): void {
    const waiter = pending.get(key);
    if (!waiter) return;
    pending.delete(key);
    clearTimeout(waiter.timer);
    waiter.resolve(value);
  }
}
