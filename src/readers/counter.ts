import type { Clock } from '../smoke/types';
import type { Backend } from '../vocabulary';
import type { Reader } from './types';

/**
 * Metric signal: a run is counted once this instance's run counter has reached the run's seq.
 * One read of the counter serves every waiting run (a watermark).
 */
export function counterReader(o: { backend: Backend; readCounter: (signal: AbortSignal) => Promise<number>; now: Clock }): Reader {
  return {
    backend: o.backend,
    missingReason: 'not_found',
    async read(waiting, report, signal) {
      const value = await o.readCounter(signal);
      const atMs = o.now();
      // Oldest first is lowest seq first: stop at the first run the counter has not reached.
      for (const run of waiting.runs()) {
        if (run.seq > value) break;
        report(run, { atMs });
      }
    },
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
