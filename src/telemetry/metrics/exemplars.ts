/**
 * Which observations hand prom-client an exemplar. prom-client keeps one exemplar per series (per
 * bucket of a histogram) and shows only the last one set, and it validates and time-stamps each
 * one it is given. Between two reads of a metric, the first exemplar a series takes is as much as
 * a reader can see of it: the later ones would overwrite it unseen, so they are left out. A read is
 * any render of the metric (a scrape, the read-back's own look at the run counter), noted from the
 * metric's `collect` hook.
 */
export interface ExemplarGate {
  /** A read of the metric: every series takes an exemplar again. */
  read(): void;
  /** Whether the series (`key`, a histogram's bucket included) takes this observation's exemplar. */
  wants(key: string): boolean;
}

export function createExemplarGate(): ExemplarGate {
  let reads = 0;
  /** Per series, the read after which it last took one. */
  const taken = new Map<string, number>();
  return {
    read: () => void (reads += 1),
    wants(key) {
      if (taken.get(key) === reads) return false;
      taken.set(key, reads);
      return true;
    },
  };
}

/** The bucket a histogram puts `value` in (as prom-client does: the first bound at or above it). */
export function bucketOf(bounds: readonly number[], value: number): number {
  for (let i = 0; i < bounds.length; i += 1) if (value <= (bounds[i] as number)) return i;
  return bounds.length;
}
