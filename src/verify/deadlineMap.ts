import type { Clock } from '../smoke/types';

/**
 * A map whose entries expire at their deadline, with one timer for the whole map (armed for the
 * oldest entry) instead of one per entry: thousands of runs can await verification at once, and
 * a timer each was a large share of what a run cost to read back (bench/README.md).
 *
 * Entries are swept in insertion order, which is deadline order when every deadline is a fixed
 * timeout after its insertion. An entry whose deadline is earlier than an older entry's expires
 * with that older one.
 */
export interface DeadlineMap<K, V> {
  set(key: K, value: V, deadlineMs: number): void;
  /** Removes the entry and returns its value (undefined when absent or already expired). */
  take(key: K): V | undefined;
  readonly size: number;
  /** Removes every entry, oldest first, handing each to `each`; the map is empty afterwards. */
  drain(each: (key: K, value: V) => void): void;
  /** Visits every entry, oldest first. */
  forEach(each: (key: K, value: V) => void): void;
}

export function createDeadlineMap<K, V>(o: { now: Clock; onExpire: (key: K, value: V) => void }): DeadlineMap<K, V> {
  const entries = new Map<K, { value: V; deadlineMs: number }>();
  let timer: NodeJS.Timeout | undefined;

  function arm(): void {
    const oldest = entries.values().next();
    timer = oldest.done ? undefined : setTimeout(sweep, Math.max(0, oldest.value.deadlineMs - o.now()));
    timer?.unref(); // deadlines alone do not keep the process up: the server does
  }

  function sweep(): void {
    const now = o.now();
    for (const [key, entry] of entries) {
      if (entry.deadlineMs > now) break;
      entries.delete(key);
      o.onExpire(key, entry.value);
    }
    arm();
  }

  return {
    set(key, value, deadlineMs) {
      entries.delete(key);
      entries.set(key, { value, deadlineMs });
      if (!timer) arm();
    },
    take(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      if (entries.size === 0) {
        clearTimeout(timer);
        timer = undefined;
      }
      return entry.value;
    },
    get size() {
      return entries.size;
    },
    forEach(each) {
      for (const [key, entry] of entries) each(key, entry.value);
    },
    drain(each) {
      clearTimeout(timer);
      timer = undefined;
      for (const [key, entry] of [...entries]) {
        entries.delete(key);
        each(key, entry.value);
      }
    },
  };
}
