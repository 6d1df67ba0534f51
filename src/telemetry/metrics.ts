import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type LabelValues,
  type RegistryContentType,
} from 'prom-client';
import { EMITTED, type MetricPort } from '../smoke/types';
import {
  METRIC,
  RUN_OUTCOMES,
  SIGNALS,
  SPAN_OUTCOMES,
  SPOT_OUTCOMES,
  TRIGGERS,
  VERDICT_KINDS,
  type Exemplar,
  type Signal,
  type SpanOutcome,
  type SpotOutcome,
  type VerifyOutcome,
  type VerifyReason,
} from '../vocabulary';

/** Request labels come from the route table and fixed sets, never from the request text. */
export interface RequestLabels {
  readonly route: string;
  readonly method: string;
  readonly status: string;
}

/** One read-back verdict, as the metrics see it. */
export interface VerdictSample {
  readonly signal: Signal;
  readonly outcome: VerifyOutcome;
  readonly reason: VerifyReason;
  readonly lagSeconds?: number;
  readonly at: Date;
}

export interface Metrics {
  readonly registry: Registry<RegistryContentType>;
  readonly port: MetricPort;
  countSpans(outcome: SpanOutcome, n: number): void;
  /** OTLP log records, by the same outcomes as spans. */
  countLogRecords(outcome: SpanOutcome, n: number): void;
  /** Counted by outcome and reason; a verified one also observes its lag (with the trace as exemplar). */
  recordVerdict(verdict: VerdictSample, exemplar?: Exemplar): void;
  observeRequest(labels: RequestLabels, seconds: number, exemplar?: Exemplar): void;
  /** A spot check's re-read, by signal, outcome and age bucket. */
  recordSpotCheck(signal: Signal, outcome: SpotOutcome, age: string): void;
  /** Where the failure-streak gauge reads each signal's streak (the signal health, once it exists). */
  initStreaks(read: (signal: Signal) => { readonly count: number; readonly reason: VerifyReason }): void;
  /** Series to start at 0 for spot checks, once their age buckets are known; and how many runs are kept. */
  initSpotChecks(ages: readonly string[], keptRuns: () => number): void;
  /** Request series to start at 0: the answers users graph (the others appear when first seen). */
  initRequests(labels: readonly RequestLabels[]): void;
  /** Runs (summed over labels), spans and log records by outcome: the numbers a loss check compares. */
  totals(): Promise<{ runs: number; spans: Record<SpanOutcome, number>; logRecords: Record<SpanOutcome, number> }>;
}

// Few on purpose: the request histogram is most of what a scrape carries, and formatting it is
// most of what a scrape costs.
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5];
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const RUN_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/** Exemplar labels as prom-client types them (the series' label names; any names are valid). */
const asLabels = (e: Exemplar) => e as unknown as LabelValues<string>;

/** The daemon's metrics in a registry of its own (never prom-client's global one). */
export function createMetrics(options: {
  processMetrics: boolean;
  now?: () => number;
  /** The schedule and the read-back deadline, exposed so alert rules scale with them (0 when not given). */
  settings?: { readonly intervalSeconds: number; readonly verifyTimeoutSeconds: number };
}): Metrics {
  const now = options.now ?? Date.now;
  // Exemplars need an OpenMetrics registry at construction; exposition.ts serves both formats.
  const registry: Registry<RegistryContentType> = new Registry();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  if (options.processMetrics) {
    collectDefaultMetrics({ register: registry });
    // Its collect waits a turn of the event loop, so every scrape would wait out the lag it
    // measures; nodejs_eventloop_lag_{mean,p50,p99}_seconds carry the same from a histogram.
    registry.removeSingleMetric('nodejs_eventloop_lag_seconds');
  }
  const registers = [registry];

  const runs = new Counter({
    name: METRIC.runs,
    help: 'Smoke runs, by what triggered them and whether every signal was emitted.',
    labelNames: ['trigger', 'outcome'] as const,
    registers,
    enableExemplars: true,
  });
  const runDuration = new Histogram({
    name: METRIC.runDuration,
    help: 'Time to emit one smoke run (span, log line and counter), in seconds.',
    buckets: RUN_BUCKETS,
    registers,
  });
  const spans = new Counter({
    name: METRIC.spansExported,
    help: 'Spans by export outcome: success (acknowledged), failure (export failed) or dropped (queue full or after shutdown).',
    labelNames: ['outcome'] as const,
    registers,
  });
  // Verdicts come three per run: counted in plain numbers and handed over when scraped.
  const logRecords = new Counter({
    name: METRIC.logRecordsExported,
    help: 'OTLP log records (the verification line) by export outcome: success, failure or dropped.',
    labelNames: ['outcome'] as const,
    registers,
  });
  // A reason belongs to one outcome (VERDICT_KINDS), so signal and reason find the series.
  type Tally = {
    readonly labels: { signal: Signal; outcome: VerifyOutcome; reason: VerifyReason };
    total: number;
    reported: number;
  };
  const verdictCounts = new Map<Signal, Map<VerifyReason, Tally>>(SIGNALS.map((signal) => [signal, new Map()]));
  new Counter({
    name: METRIC.verifications,
    help: 'Signal read-backs by outcome (verified, missing, error, skipped) and reason.',
    labelNames: ['signal', 'outcome', 'reason'] as const,
    registers,
    collect() {
      for (const tallies of verdictCounts.values()) {
        for (const t of tallies.values()) {
          this.inc(t.labels, t.total - t.reported);
          t.reported = t.total;
        }
      }
    },
  });
  const lag = new Histogram({
    name: METRIC.lag,
    help: 'Seconds from a run to the confirmation that its signal arrived.',
    labelNames: ['signal'] as const,
    buckets: LAG_BUCKETS,
    registers,
    enableExemplars: true,
  });
  // Set at collection: a verified verdict only notes the time (three per run).
  const lastVerifiedSeconds = new Map<Signal, number>();
  const startedSeconds = Math.floor(now() / 1000);
  new Gauge({
    name: METRIC.lastVerified,
    help: 'Unix time of the last verified read-back per signal; the process start time until the first one.',
    labelNames: ['signal'] as const,
    registers,
    collect() {
      for (const signal of SIGNALS) this.set({ signal }, lastVerifiedSeconds.get(signal) ?? startedSeconds);
    },
  });
  // Failed read-backs in a row per signal (kept by /healthz's signal health), labelled with the
  // reason that began the streak: one series per signal (reason "none" while it is not failing),
  // stable while a failure lasts, so an alert on it neither flaps between reasons nor waits out a
  // window after the repair.
  let streakOf: (signal: Signal) => { readonly count: number; readonly reason: VerifyReason } = () => ({
    count: 0,
    reason: 'none',
  });
  new Gauge({
    name: METRIC.consecutiveFailures,
    help: 'Read-backs of the signal that failed (missing or error) in a row; reason: the one that began the streak.',
    labelNames: ['signal', 'reason'] as const,
    registers,
    collect() {
      this.reset();
      for (const signal of SIGNALS) {
        const s = streakOf(signal);
        this.set({ signal, reason: s.reason }, s.count);
      }
    },
  });
  const spotChecks = new Counter({
    name: METRIC.spotChecks,
    help: 'Re-reads of runs verified earlier (spot checks), by signal, outcome (found, lost_after_ingest, error) and age bucket.',
    labelNames: ['signal', 'outcome', 'age'] as const,
    registers,
  });
  let keptRuns = () => 0;
  new Gauge({
    name: METRIC.spotRuns,
    help: 'Verified runs kept for spot checks.',
    registers,
    collect() {
      this.set(keptRuns());
    },
  });
  new Gauge({ name: METRIC.scheduleInterval, help: 'Seconds between scheduled runs (0: no schedule).', registers }).set(
    options.settings?.intervalSeconds ?? 0,
  );
  new Gauge({
    name: METRIC.verifyTimeout,
    help: 'Seconds a run waits for each signal to be read back before it is missing.',
    registers,
  }).set(options.settings?.verifyTimeoutSeconds ?? 0);
  const httpDuration = new Histogram({
    name: METRIC.httpDuration,
    help: 'HTTP request duration by route template, method and status code, in seconds.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers,
    enableExemplars: true,
  });

  // Every series starts at 0, so the first failure is a visible increase, not a new series.
  for (const trigger of TRIGGERS)
    for (const outcome of RUN_OUTCOMES) runs.inc({ labels: { trigger, outcome }, value: 0 });
  for (const outcome of SPAN_OUTCOMES) {
    spans.inc({ outcome }, 0);
    logRecords.inc({ outcome }, 0);
  }
  runDuration.zero({});
  for (const signal of SIGNALS) {
    for (const [outcome, reason] of VERDICT_KINDS)
      verdictCounts.get(signal)?.set(reason, { labels: { signal, outcome, reason }, total: 0, reported: 0 });
    lag.zero({ signal });
  }

  return {
    registry,
    port: {
      recordRun({ trigger, outcome, durationSeconds, exemplar }) {
        // With exemplars on, the object form is the only one that reaches the labelled series.
        runs.inc({
          labels: { trigger, outcome },
          value: 1,
          ...(exemplar ? { exemplarLabels: asLabels(exemplar) } : {}),
        });
        runDuration.observe(durationSeconds);
        return EMITTED;
      },
    },
    countSpans: (outcome, n) => spans.inc({ outcome }, n),
    countLogRecords: (outcome, n) => logRecords.inc({ outcome }, n),
    observeRequest(labels, seconds, exemplar) {
      httpDuration.observe({
        labels: { ...labels },
        value: seconds,
        ...(exemplar ? { exemplarLabels: asLabels(exemplar) } : {}),
      });
    },
    recordSpotCheck: (signal, outcome, age) => spotChecks.inc({ signal, outcome, age }),
    initStreaks(read) {
      streakOf = read;
    },
    initSpotChecks(ages, kept) {
      keptRuns = kept;
      for (const signal of SIGNALS)
        for (const outcome of SPOT_OUTCOMES) for (const age of ages) spotChecks.inc({ signal, outcome, age }, 0);
    },
    initRequests(labels) {
      for (const l of labels) httpDuration.zero({ ...l });
    },
    recordVerdict(verdict, exemplar) {
      const tally = verdictCounts.get(verdict.signal)?.get(verdict.reason);
      if (tally) tally.total += 1;
      if (verdict.outcome !== 'verified' || verdict.lagSeconds === undefined) return;
      lag.observe({
        labels: { signal: verdict.signal },
        value: verdict.lagSeconds,
        ...(exemplar ? { exemplarLabels: asLabels(exemplar) } : {}),
      });
      lastVerifiedSeconds.set(verdict.signal, verdict.at.getTime() / 1000);
    },
    async totals() {
      const byOutcome = async (counter: Counter<'outcome'>) => {
        const totals = { success: 0, failure: 0, dropped: 0 };
        for (const v of (await counter.get()).values) totals[v.labels.outcome as SpanOutcome] += v.value;
        return totals;
      };
      const runValues = (await runs.get()).values;
      return {
        runs: runValues.reduce((sum, v) => sum + v.value, 0),
        spans: await byOutcome(spans),
        logRecords: await byOutcome(logRecords),
      };
    },
  };
}
