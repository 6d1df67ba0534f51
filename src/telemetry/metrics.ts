import { Counter, Gauge, Registry, collectDefaultMetrics, type LabelValues, type RegistryContentType } from 'prom-client';
import { SIGNALS, TRIGGERS, type Signal } from '../smoke/constants';
import type { Exemplar } from '../smoke/types';
import { VERDICT_KINDS, type Verdict } from '../verify/types';
import { EMITTED, type MetricPort, type RunOutcome } from '../smoke/types';
import { LeanCounter } from './leanCounter';
import { LeanHistogram } from './leanHistogram';

/** Metric names, defined once: dashboards, alert rules and tests use these constants. */
export const METRIC = {
  runs: 'petsage_smoke_runs_total',
  runDuration: 'petsage_smoke_run_duration_seconds',
  spansExported: 'petsage_smoke_spans_exported_total',
  verifications: 'petsage_smoke_signal_verifications_total',
  lag: 'petsage_smoke_signal_lag_seconds',
  lastVerified: 'petsage_smoke_signal_last_verified_timestamp_seconds',
  httpDuration: 'petsage_smoke_http_request_duration_seconds',
} as const;

const SIGNAL_LABEL = ['signal'] as const;
const REQUEST_LABELS = ['route', 'method', 'status'] as const;

/** Request labels come from the route table and fixed sets, never from the request text. */
export interface RequestLabels {
  readonly route: string;
  readonly method: string;
  readonly status: string;
}


export const RUN_OUTCOMES: readonly RunOutcome[] = ['success', 'failure'];
/** success: the exporter acknowledged; failure: the export failed; dropped: never reached an exporter. */
export const SPAN_OUTCOMES = ['success', 'failure', 'dropped'] as const;
export type SpanOutcome = (typeof SPAN_OUTCOMES)[number];

export interface Metrics {
  readonly registry: Registry<RegistryContentType>;
  readonly port: MetricPort;
  countSpans(outcome: SpanOutcome, n: number): void;
  /** One verdict: counted by outcome and reason; a verified one also observes its lag (with the trace as exemplar). */
  recordVerdict(verdict: Verdict, exemplar?: Exemplar): void;
  observeRequest(labels: RequestLabels, seconds: number, exemplar?: Exemplar): void;
  /** Series to start at 0: the routes' expected answers. */
  initRequests(labels: readonly RequestLabels[]): void;
  /** Runs (summed over labels) and spans by outcome: the numbers a loss check compares. */
  totals(): Promise<{ runs: number; spans: Record<SpanOutcome, number> }>;
}

export function createMetrics(options: { processMetrics: boolean }): Metrics {
  // Exemplars need an OpenMetrics registry at construction; exposition.ts serves both formats.
  const registry: Registry<RegistryContentType> = new Registry();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  if (options.processMetrics) {
    collectDefaultMetrics({ register: registry });
    // Its collect waits a turn of the event loop, so every scrape would wait out the lag it
    // measures; nodejs_eventloop_lag_{mean,p50,p99}_seconds carry the same from a histogram.
    registry.removeSingleMetric('nodejs_eventloop_lag_seconds');
  }

  const runs = new Counter({
    name: METRIC.runs,
    help: 'Smoke runs, by what triggered them and whether every signal was emitted.',
    labelNames: ['trigger', 'outcome'] as const,
    registers: [registry],
    enableExemplars: true,
  });
  const runDuration = new LeanHistogram(METRIC.runDuration, 'Time to emit one smoke run (span, log line and counter), in seconds.', [], [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
  ]).registerIn(registry);
  const spans = new Counter({
    name: METRIC.spansExported,
    help: 'Spans by export outcome: success (acknowledged), failure (export failed) or dropped (queue full or after shutdown).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });

  // Verdicts come three per run: a lean counter adds each to a number in its series (bench/README.md).
  const lastVerifiedSeconds = new Map<Signal, number>();
  const verifications = new LeanCounter(METRIC.verifications, 'Signal read-backs by outcome (verified, missing, error, skipped) and reason.', [
    'signal',
    'outcome',
    'reason',
  ]).registerIn(registry);
  const lag = new LeanHistogram(METRIC.lag, 'Seconds from a run to the confirmation that its signal arrived.', SIGNAL_LABEL, [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
  ]).registerIn(registry);
  const lastVerified = new Gauge({
    name: METRIC.lastVerified,
    help: 'Unix time of the last verified read-back per signal; the process start time until the first one.',
    labelNames: ['signal'] as const,
    registers: [registry],
    collect() {
      for (const [signal, seconds] of lastVerifiedSeconds) this.set({ signal }, seconds);
    },
  });

  const httpDuration = new LeanHistogram(METRIC.httpDuration, 'HTTP request duration by route template, method and status code, in seconds.', REQUEST_LABELS, [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5,
  ]).registerIn(registry);

  // Every series starts at 0, so the first failure is a visible increase, not a new series.
  for (const trigger of TRIGGERS) for (const outcome of RUN_OUTCOMES) runs.inc({ labels: { trigger, outcome }, value: 0 });
  for (const outcome of SPAN_OUTCOMES) spans.inc({ outcome }, 0);
  runDuration.zero({});
  const startedSeconds = Math.floor(Date.now() / 1000);
  for (const signal of SIGNALS) {
    for (const [outcome, reason] of VERDICT_KINDS) verifications.zero({ signal, outcome, reason });
    lag.zero({ signal });
    lastVerified.set({ signal }, startedSeconds);
  }

  return {
    registry,
    port: {
      recordRun({ trigger, outcome, durationSeconds, exemplar }) {
        // The object form is the only one that reaches the labelled series when exemplars are on.
        // (prom-client types exemplarLabels as the series' label names; any names are valid.)
        const exemplarLabels = exemplar as LabelValues<string> | undefined;
        runs.inc({ labels: { trigger, outcome }, value: 1, ...(exemplarLabels ? { exemplarLabels } : {}) });
        runDuration.observe({}, durationSeconds);
        return EMITTED;
      },
    },
    countSpans: (outcome, n) => spans.inc({ outcome }, n),
    observeRequest(labels, seconds, exemplar) {
      httpDuration.observe(labels, seconds, exemplar);
    },
    initRequests(labels) {
      for (const l of labels) httpDuration.zero(l);
    },
    recordVerdict(verdict, exemplar) {
      verifications.inc({ signal: verdict.signal, outcome: verdict.outcome, reason: verdict.reason });
      if (verdict.outcome !== 'verified' || verdict.lagSeconds === undefined) return;
      lag.observe({ signal: verdict.signal }, verdict.lagSeconds, exemplar);
      lastVerifiedSeconds.set(verdict.signal, verdict.at.getTime() / 1000);
    },
    async totals() {
      const runValues = (await runs.get()).values;
      const spanValues = (await spans.get()).values;
      const spanTotals = { success: 0, failure: 0, dropped: 0 };
      for (const v of spanValues) spanTotals[v.labels.outcome as SpanOutcome] += v.value;
      return { runs: runValues.reduce((sum, v) => sum + v.value, 0), spans: spanTotals };
    },
  };
}
