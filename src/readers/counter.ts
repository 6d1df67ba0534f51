import type { Clock, SmokeRun } from '../smoke/types';
import type { Backend } from '../vocabulary';
import type { Reader } from './types';

/**
 * Metric signal: a run is counted once this instance's run counter has reached the run's seq.
 * One read of the counter serves every waiting run (a watermark). A run restored from an earlier
 * process is looked up in that process's counter, when the backend keeps it (`readEarlier`).
 */
export function counterReader(o: {
  backend: Backend;
  readCounter: (signal: AbortSignal) => Promise<number>;
  /** The counter of the process that made a restored run, as it last stood before the restart. */
  readEarlier?: (run: SmokeRun, signal: AbortSignal) => Promise<number>;
  /** The counter as it stood at a past time (spot checks). */
  readAt?: (atMs: number, signal: AbortSignal) => Promise<number>;
  now: Clock;
}): Reader {
  return {
    backend: o.backend,
    missingReason: 'not_found',
    async read(waiting, report, signal) {
      const value = await o.readCounter(signal);
      const atMs = o.now();
      const restored: SmokeRun[] = [];
      // Oldest first is lowest seq first: stop at the first run the counter has not reached.
      for (const run of waiting.runs()) {
        if (run.restoredAtMs !== undefined) restored.push(run);
        else if (run.seq > value) break;
        else report(run, { atMs });
      }
      if (!o.readEarlier) return; // the earlier process's counter is gone with it: they time out
      for (const run of restored) if ((await o.readEarlier(run, signal)) >= run.seq) report(run, { atMs: o.now() });
    },
    ...(o.readAt
      ? {
          recheck: async (run: SmokeRun, verifiedAtMs: number, signal: AbortSignal) =>
            (await o.readAt!(verifiedAtMs, signal)) >= run.seq,
        }
      : {}),
  };
}

/** The sum of one counter's samples in Prometheus or OpenMetrics text. */
export function sumSamples(text: string, metric: string): number {
  const prefix = `${metric}{`;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix) && !line.startsWith(`${metric} `)) continue;
    const end = line.indexOf(' # '); // an OpenMetrics exemplar follows the value
    const sample = end < 0 ? line : line.slice(0, end);
    sum += Number(sample.slice(sample.lastIndexOf(' ') + 1));
  }
  return sum;
}
