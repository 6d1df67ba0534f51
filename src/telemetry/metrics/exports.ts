import { Counter } from 'prom-client';
import { EXPORT_OUTCOMES, METRIC, type ExportOutcome } from '../../vocabulary';
import type { MetricsRegistry } from './registry';

export type CountExports = (outcome: ExportOutcome, n: number) => void;

/** What became of every span and OTLP log record: acknowledged, failed or dropped, per pipeline. */
export function createExportMetrics(registry: MetricsRegistry) {
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['pipeline', 'outcome'] as const, registers: [registry] });
  const spans = counter(
    METRIC.spansExported,
    'Spans by export outcome: success (acknowledged), failure (export failed) or dropped (queue full or after shutdown).',
  );
  const logRecords = counter(
    METRIC.logRecordsExported,
    'OTLP log records (the verification line) by export outcome: success, failure or dropped.',
  );
  const bind = (
    c: Counter<'pipeline' | 'outcome'>,
    pipeline: string,
    outcomes: readonly ExportOutcome[] = EXPORT_OUTCOMES,
  ): CountExports => {
    for (const outcome of outcomes) c.inc({ pipeline, outcome }, 0);
    return (outcome, n) => c.inc({ pipeline, outcome }, n);
  };
  const byOutcome = async (c: Counter<'pipeline' | 'outcome'>) => {
    const totals: Record<ExportOutcome, number> = { success: 0, failure: 0, dropped: 0 };
    for (const v of (await c.get()).values) totals[v.labels.outcome as ExportOutcome] += v.value;
    return totals;
  };
  const metricExports = counter(
    METRIC.metricExports,
    'Exports of the run counter over OTLP metrics (when pushed): success or failure.',
  );
  // A periodic export has no queue to drop from: its series are the two outcomes it can have.
  const PUSH_OUTCOMES = ['success', 'failure'] as const;
  return {
    spans: (pipeline: string) => bind(spans, pipeline),
    /** Series only for a pipeline that pushes its counter: none to pay for where nothing is pushed. */
    metricExports: (pipeline: string) => bind(metricExports, pipeline, PUSH_OUTCOMES),
    logRecords: (pipeline: string) => bind(logRecords, pipeline),
    /** Every pipeline's, by outcome: the numbers the loss check at shutdown compares. */
    totals: async () => ({ spans: await byOutcome(spans), logRecords: await byOutcome(logRecords) }),
  };
}
