import type { MonoClock } from '../smoke/types';

/**
 * A map whose entries expire at their deadline, with one timer for the whole map (armed for the
 * earliest deadline) instead of one per entry: thousands of runs can await verification at once, and
 * a timer each was a large share of what a run cost to read back (bench/README.md).
 *
 * Deadlines are on a monotonic clock, so no wall-clock step can move them, and the entries sit in a
 * binary heap by deadline: every due entry expires, whatever the order in which they were set.
 */
export interface DeadlineMap<K, V> {
  set(key: K, value: V, deadlineMs: number): void;
  /** Removes the entry and returns its value (undefined when absent or already expired). */
  take(key: K): V | undefined;
  readonly size: number;
  /** Removes every entry, earliest deadline first, handing each to `each`; the map is empty afterwards. */
  drain(each: (key: K, value: V) => void): void;
  /** Visits every entry (in no particular order). */
  forEach(each: (key: K, value: V) => void): void;
}

interface Slot<K, V> {
  readonly key: K;
  readonly value: V;
  readonly deadlineMs: number;
  /** Where the slot sits in the heap (kept up to date on every move, so a take is O(log n)). */
  at: number;
}

export interface DeadlineMapOptions<K, V> {
  now: MonoClock;
  onExpire: (key: K, value: V) => void;
}

export function createDeadlineMap<K, V>(options: DeadlineMapOptions<K, V>): DeadlineMap<K, V> {
  const slots = new Map<K, Slot<K, V>>();
  const heap: Slot<K, V>[] = [];
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Infinity;

  const place = (slot: Slot<K, V>, at: number) => {
    heap[at] = slot;
    slot.at = at;
  };
  function up(at: number): void {
    const slot = heap[at] as Slot<K, V>;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if ((heap[parent] as Slot<K, V>).deadlineMs <= slot.deadlineMs) break;
      place(heap[parent] as Slot<K, V>, at);
      at = parent;
    }
    place(slot, at);
  }
  function down(at: number): void {
    const slot = heap[at] as Slot<K, V>;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && (heap[right] as Slot<K, V>).deadlineMs < (heap[left] as Slot<K, V>).deadlineMs
          ? right
          : left;
      if ((heap[child] as Slot<K, V>).deadlineMs >= slot.deadlineMs) break;
      place(heap[child] as Slot<K, V>, at);
      at = child;
    }
    place(slot, at);
  }
  function remove(slot: Slot<K, V>): void {
    slots.delete(slot.key);
    const last = heap.pop() as Slot<K, V>;
    if (last === slot) return;
    place(last, slot.at);
    up(last.at);
    down(last.at);
  }

  /** The timer fires no later than the earliest deadline; firing early (that entry was taken) costs one empty sweep. */
  function arm(): void {
    const earliest = heap[0]?.deadlineMs ?? Infinity;
    if (earliest >= armedFor) return;
    clearTimeout(timer);
    armedFor = earliest;
    timer = setTimeout(sweep, Math.max(0, earliest - options.now()));
    timer.unref(); // deadlines alone do not keep the process up: the server does
  }
  function disarm(): void {
    clearTimeout(timer);
    timer = undefined;
    armedFor = Infinity;
  }

  function sweep(): void {
    disarm();
    const now = options.now();
    for (let first = heap[0]; first && first.deadlineMs <= now; first = heap[0]) {
      remove(first);
      options.onExpire(first.key, first.value);
    }
    arm();
  }

  return {
    set(key, value, deadlineMs) {
      const old = slots.get(key);
      if (old) remove(old);
      const slot: Slot<K, V> = { key, value, deadlineMs, at: heap.length };
      slots.set(key, slot);
      heap.push(slot);
      up(slot.at);
      arm();
    },
    take(key) {
      const slot = slots.get(key);
      if (!slot) return undefined;
      remove(slot);
      if (heap.length === 0) disarm();
      return slot.value;
    },
    get size() {
      return slots.size;
    },
    forEach(each) {
      for (const slot of slots.values()) each(slot.key, slot.value);
    },
    drain(each) {
      disarm();
      const all = [...heap].sort((a, b) => a.deadlineMs - b.deadlineMs);
      heap.length = 0;
      slots.clear();
      for (const slot of all) each(slot.key, slot.value);
    },
  };
}
