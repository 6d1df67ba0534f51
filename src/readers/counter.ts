import type { SmokeRun } from '../smoke/types';
import type { Backend } from '../vocabulary';
import type { PolledReader, Pushes } from './types';

export interface CounterReaderOptions {
  backend: Backend;
  asked: string;
  readCounter: (signal: AbortSignal) => Promise<number>;
  /** The counter of the process that made a restored run, as it last stood before the restart. */
  readEarlier?: (run: SmokeRun, signal: AbortSignal) => Promise<number>;
  /** The counter as it stood at a past time (spot checks). */
  readAt?: (run: SmokeRun, atMs: number, signal: AbortSignal) => Promise<number>;
  /** When the counter is pushed: the runs whose increments a failed delta push lost. */
  pushes?: Pushes;
}

/**
 * Metric signal: a run is counted once this instance's run counter has reached the run's seq (less
 * the runs a failed delta push lost, which fail at once). One read of the counter serves every
 * waiting run (a watermark). A run restored from an earlier process is looked up in that process's
 * counter, when the backend keeps it (`readEarlier`).
 */
export function counterReader(options: CounterReaderOptions): PolledReader {
  const { pushes } = options;
  const reached = (run: SmokeRun, value: number) => run.seq - (pushes?.lostThrough(run.seq) ?? 0) <= value;
  return {
    kind: 'polled',
    backend: options.backend,
    asked: options.asked,
    missingReason: 'not_found',
    async read(waiting, report, signal) {
      if (pushes?.refused())
        for (const run of waiting.runs())
          if (run.restoredAtMs === undefined && pushes.lost(run.seq)) report(run, lostPush(pushes));
      const value = await options.readCounter(signal);
      const restored: SmokeRun[] = [];
      // Oldest first is lowest seq first: stop at the first run the counter has not reached.
      for (const run of waiting.runs()) {
        if (run.restoredAtMs !== undefined) restored.push(run);
        else if (pushes?.lost(run.seq))
          continue; // answered above
        else if (!reached(run, value)) break;
        else report(run);
      }
      if (!options.readEarlier) return; // the earlier process's counter is gone with it: they time out
      for (const run of restored) if ((await options.readEarlier(run, signal)) >= run.seq) report(run);
    },
    ...(options.readAt
      ? {
          recheck: async (run: SmokeRun, verifiedAtMs: number, signal: AbortSignal) =>
            reached(run, await options.readAt!(run, verifiedAtMs, signal)),
        }
      : {}),
  };
}

function lostPush(pushes: Pushes): { reason: 'export_failed'; detail: string } {
  const status = pushes.refused()?.status;
  return {
    reason: 'export_failed',
    detail: `the OTLP push (delta) carrying its increment failed${status ? ` (HTTP ${status})` : ''}: never sent again`,
  };
}

/** The sum of one counter's samples in Prometheus or OpenMetrics text; with `having`, of the series whose labels hold it. */
export function sumSamples(text: string, metric: string, having?: string): number {
  const prefix = `${metric}{`;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix) && !line.startsWith(`${metric} `)) continue;
    if (having && !line.slice(0, line.indexOf('}') + 1).includes(having)) continue;
    const end = line.indexOf(' # '); // an OpenMetrics exemplar follows the value
    const sample = end < 0 ? line : line.slice(0, end);
    sum += Number(sample.slice(sample.lastIndexOf(' ') + 1));
  }
  return sum;
}
