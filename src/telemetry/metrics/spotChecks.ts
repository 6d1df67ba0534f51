import { Counter, Gauge } from 'prom-client';
import { METRIC, type Signal, type SpotOutcome } from '../../vocabulary';
import { seriesProfile, type SeriesProfile } from './profile';
import type { MetricsRegistry } from './registry';

/** Spot checks' re-reads by signal, outcome and age bucket, and how many runs are kept, per pipeline. */
export function createSpotCheckMetrics(registry: MetricsRegistry, profile: SeriesProfile = seriesProfile('full')) {
  const checks = new Counter({
    name: METRIC.spotChecks,
    help: 'Re-reads of runs verified earlier (spot checks), by signal, outcome (found, lost_after_ingest, error) and age bucket.',
    labelNames: ['pipeline', 'signal', 'outcome', 'age'] as const,
    registers: [registry],
  });
  const kept: { pipeline: string; count: () => number }[] = [];
  new Gauge({
    name: METRIC.spotRuns,
    help: 'Verified runs kept for spot checks.',
    labelNames: ['pipeline'] as const,
    registers: [registry],
    collect() {
      for (const k of kept) this.set({ pipeline: k.pipeline }, k.count());
    },
  });
  return {
    /** One pipeline's recorder: for each signal re-read, its series at 0 for each age bucket (those the profile starts). */
    forPipeline(pipeline: string, signals: readonly Signal[], ages: readonly string[], keptRuns: () => number) {
      kept.push({ pipeline, count: keptRuns });
      for (const signal of signals)
        for (const outcome of profile.spotOutcomes)
          for (const age of ages) checks.inc({ pipeline, signal, outcome, age }, 0);
      return (signal: Signal, outcome: SpotOutcome, age: string) => checks.inc({ pipeline, signal, outcome, age });
    },
  };
}
