import { Counter, Histogram, type LabelValues } from 'prom-client';
import { EMITTED, type MetricPort, type RunRecord } from '../../smoke/types';
import { METRIC, PROCESS_LABEL, RUN_OUTCOMES, TRIGGERS, type Exemplar } from '../../vocabulary';
import { createExemplarGate } from './exemplars';
import { seriesProfile, type SeriesProfile } from './profile';
import type { MetricsRegistry } from './registry';

/** Exemplar labels as prom-client types them (the series' label names; any names are valid). */
export const asLabels = (e: Exemplar) => e as unknown as LabelValues<string>;

/**
 * The metric signal itself: the run counter, labelled with its pipeline and this process's id (the
 * read-back finds this process's samples by it), and the time a run takes to emit.
 */
export function createRunMetrics(
  registry: MetricsRegistry,
  processId: string,
  profile: SeriesProfile = seriesProfile('full'),
) {
  const exemplars = createExemplarGate();
  const runs = new Counter({
    name: METRIC.runs,
    help: 'Smoke runs, by pipeline, what triggered them and whether every signal was emitted; process_id: the process that counted.',
    labelNames: ['trigger', 'outcome', 'pipeline', PROCESS_LABEL] as const,
    registers: [registry],
    enableExemplars: true,
    collect: () => exemplars.read(),
  });
  const duration = new Histogram({
    name: METRIC.runDuration,
    help: 'Time to emit one smoke run (span, log line and counter), in seconds.',
    labelNames: ['pipeline'] as const,
    buckets: [...profile.runBuckets],
    registers: [registry],
  });

  return {
    /** The metric port of one pipeline's runs; its series start at 0, so the first failure is a visible increase. */
    port(pipeline: string, push?: (run: RunRecord) => void): MetricPort {
      for (const trigger of profile.runTriggers === 'all' ? TRIGGERS : (['schedule'] as const))
        for (const outcome of RUN_OUTCOMES)
          runs.inc({ labels: { trigger, outcome, pipeline, [PROCESS_LABEL]: processId }, value: 0 });
      duration.zero({ pipeline });
      const series = (trigger: string, outcome: string) => `${pipeline} ${trigger} ${outcome}`;
      const keys = Object.fromEntries(
        TRIGGERS.map((t) => [t, { success: series(t, 'success'), failure: series(t, 'failure') }]),
      );
      return {
        recordRun(run) {
          const { trigger, outcome, durationSeconds, exemplar } = run;
          // With exemplars on, the object form is the only one that reaches the labelled series.
          const labels = { trigger, outcome, pipeline, [PROCESS_LABEL]: processId };
          const linked = exemplar !== undefined && exemplars.wants(keys[trigger]![outcome]);
          runs.inc({ labels, value: 1, ...(linked ? { exemplarLabels: asLabels(exemplar) } : {}) });
          duration.observe({ pipeline }, durationSeconds);
          push?.(run);
          return EMITTED;
        },
      };
    },
    /** Runs of every pipeline: what the loss check at shutdown compares. */
    total: async () => (await runs.get()).values.reduce((sum, v) => sum + v.value, 0),
  };
}
