import { createDeadlineMap } from './deadlineMap';

/**
 * Callbacks keyed by id, called by whoever sees the id first. An id seen before anyone waits is
 * remembered (boundedly), so the order of "arrived" and "asked" does not matter.
 */
export interface Waiters<V> {
  /** Calls `done` with the value, or with undefined at the deadline (or on stop). Once. */
  wait(key: string, deadlineMs: number, done: (value: V | undefined) => void): void;
  resolve(key: string, value: V): void;
  readonly pending: number;
  stop(): void;
}

export function createWaiters<V>(options: { remember: number; now: () => number }): Waiters<V> {
  const pending = createDeadlineMap<string, (value: V | undefined) => void>({ now: options.now, onExpire: (_key, done) => done(undefined) });
  const seen = new Map<string, V>();

  return {
    wait(key, deadlineMs, done) {
      const early = seen.get(key);
      if (early === undefined) return pending.set(key, done, deadlineMs);
      seen.delete(key);
      done(early);
    },
    resolve(key, value) {
      const done = pending.take(key);
      if (done) return done(value);
      seen.set(key, value);
      if (seen.size > options.remember) seen.delete(seen.keys().next().value as string);
    },
    get pending() {
      return pending.size;
    },
    stop() {
      pending.drain((_key, done) => done(undefined));
    },
  };
}
