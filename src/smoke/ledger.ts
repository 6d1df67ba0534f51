/** The most recent runs by id, bounded: a long-running daemon must not grow with its run count. */
export interface Ledger<T> {
  add(id: string, value: T): void;
  get(id: string): T | undefined;
  has(id: string): boolean;
  latest(): T | undefined;
  /** Oldest first. */
  values(): IterableIterator<T>;
  readonly size: number;
}

export function createLedger<T>(capacity: number): Ledger<T> {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new RangeError(`ledger capacity must be a positive integer, got ${capacity}`);
  // Map keeps insertion order, so the first key is always the oldest entry.
  const entries = new Map<string, T>();
  let last: T | undefined;
  return {
    add(id, value) {
      entries.delete(id);
      entries.set(id, value);
      last = value;
      if (entries.size > capacity) entries.delete(entries.keys().next().value as string);
    },
    get: (id) => entries.get(id),
    has: (id) => entries.has(id),
    latest: () => last,
    values: () => entries.values(),
    get size() {
      return entries.size;
    },
  };
}
