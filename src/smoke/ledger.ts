import type { SmokeRun } from './types';

/** The most recent runs, bounded: a long-running daemon must not grow with its run count. */
export interface Ledger {
  add(run: SmokeRun): void;
  get(id: string): SmokeRun | undefined;
  latest(): SmokeRun | undefined;
  readonly size: number;
}

export function createLedger(capacity: number): Ledger {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ledger capacity must be a positive integer, got ${capacity}`);
  // Map keeps insertion order, so the first key is always the oldest run.
  const runs = new Map<string, SmokeRun>();
  let last: SmokeRun | undefined;
  return {
    add(run) {
      runs.delete(run.id);
      runs.set(run.id, run);
      last = run;
      if (runs.size > capacity) runs.delete(runs.keys().next().value as string);
    },
    get: (id) => runs.get(id),
    latest: () => last,
    get size() {
      return runs.size;
    },
  };
}
