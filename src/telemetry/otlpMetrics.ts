import type * as MetricsOtlpHttp from '@opentelemetry/exporter-metrics-otlp-http';
import type * as MetricsOtlpProto from '@opentelemetry/exporter-metrics-otlp-proto';
import { metrics, type resources } from '@opentelemetry/sdk-node';
import type { PipelineConfig } from '../config/pipelines';
import type { RunRecord } from '../smoke/types';
import { shownUrl } from '../text';
import { METRIC, PROCESS_LABEL, type ExportOutcome } from '../vocabulary';
import { otlpOptions } from './spanExporters';

/** The run counter of one pipeline pushed over OTLP: what a run adds, and the export's lifecycle. */
export interface OtlpMetrics {
  /** Adds one run; a no-op when the push is off. */
  recordRun(run: Pick<RunRecord, 'trigger' | 'outcome'>): void;
  /** "otlp http/protobuf http://…/v1/metrics (cumulative, every 15s)", or "none". */
  readonly destination: string;
  /** How the pushes went: the read-back names failed ones in a miss, and fails the runs a delta push lost. */
  readonly pushes: PushDelivery;
  forceFlush(): Promise<void>;
  /** Exports the last values; never rejects (a failed export is counted). */
  shutdown(): Promise<void>;
}

/** The counter's OTLP name: the store adds `_total`, as Prometheus's and Mimir's OTLP translation do. */
export const OTLP_RUNS_NAME = METRIC.runs.replace(/_total$/, '');

/**
 * The same counter as the scraped one, made by the SDK's own MeterProvider and exporter (from
 * sdk-node's `metrics` namespace), with the same labels as attributes: the read-back finds this
 * process's runs in the store by `process_id` and `pipeline`, as it does for scraped samples.
 */
export function createOtlpMetrics(
  settings: {
    readonly pipeline: string;
    readonly processId: string;
    readonly otlp: PipelineConfig['metrics']['otlp'];
    readonly resource: resources.Resource;
    readonly disabled: boolean;
  },
  options: { countExports: (outcome: ExportOutcome, n: number) => void; exporter?: metrics.PushMetricExporter },
): OtlpMetrics {
  const { otlp } = settings;
  const exporter = settings.disabled || otlp.exporter === 'none' ? undefined : (options.exporter ?? otlpExporter(otlp));
  if (!exporter)
    return {
      recordRun: () => {},
      destination: 'none',
      pushes: NOTHING_LOST,
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
  const ledger = createPushLedger(otlp.temporality);
  const counted: metrics.PushMetricExporter = {
    export: (batch, done) =>
      exporter.export(batch, (result) => {
        options.countExports(result.code === 0 ? 'success' : 'failure', 1);
        ledger.exported(runsIn(batch), result);
        done(result);
      }),
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    ...(exporter.selectAggregationTemporality
      ? { selectAggregationTemporality: exporter.selectAggregationTemporality.bind(exporter) }
      : {}),
  };
  const provider = new metrics.MeterProvider({
    resource: settings.resource,
    readers: [
      new metrics.PeriodicExportingMetricReader({
        exporter: counted,
        exportIntervalMillis: otlp.interval,
        exportTimeoutMillis: Math.min(otlp.timeout, otlp.interval),
      }),
    ],
  });
  const runs = provider
    .getMeter(OTLP_RUNS_NAME)
    .createCounter(OTLP_RUNS_NAME, { description: 'Smoke runs, by pipeline, trigger and outcome.' });
  const url = otlp.metricsEndpoint || (otlp.endpoint && `${otlp.endpoint.replace(/\/+$/, '')}/v1/metrics`);
  return {
    recordRun: ({ trigger, outcome }) =>
      runs.add(1, { trigger, outcome, pipeline: settings.pipeline, [PROCESS_LABEL]: settings.processId }),
    destination: options.exporter
      ? 'custom'
      : `otlp ${otlp.protocol} ${shownUrl(url || 'http://localhost:4318/v1/metrics')} (${otlp.temporality}, every ${otlp.interval} ms)`,
    pushes: ledger,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}

function otlpExporter(otlp: PipelineConfig['metrics']['otlp']): metrics.PushMetricExporter {
  const url = otlp.metricsEndpoint || (otlp.endpoint && `${otlp.endpoint.replace(/\/+$/, '')}/v1/metrics`);
  // Only the chosen exporter is loaded: each costs tens of milliseconds at startup.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const http = require('@opentelemetry/exporter-metrics-otlp-http') as typeof MetricsOtlpHttp;
  const Exporter =
    otlp.protocol === 'http/json'
      ? http.OTLPMetricExporter
      : (require('@opentelemetry/exporter-metrics-otlp-proto') as typeof MetricsOtlpProto).OTLPMetricExporter;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const temporalityPreference =
    otlp.temporality === 'delta'
      ? http.AggregationTemporalityPreference.DELTA
      : http.AggregationTemporalityPreference.CUMULATIVE;
  return new Exporter({ ...otlpOptions(url, otlp.headers, otlp.timeout), temporalityPreference });
}

/** How the pushes of one pipeline's counter went, as the metric read-back asks. */
export interface PushDelivery {
  /** The pushes that failed, and the last one's HTTP status when it had one. */
  refused(): { count: number; lastAtMs: number; status?: number } | undefined;
  /** Whether the increment of run `seq` was in a delta push that failed: it never reaches the store. */
  lost(seq: number): boolean;
  /** How many runs up to `seq` were lost so: the store's total falls short of `seq` by this. */
  lostThrough(seq: number): number;
}

const NOTHING_LOST: PushDelivery = { refused: () => undefined, lost: () => false, lostThrough: () => 0 };
/** Lost stretches of runs remembered; older ones are only counted (their runs are long judged). */
const MAX_LOST_STRETCHES = 1024;

/** The increments of the run counter in one export: with delta temporality, the runs it carries. */
function runsIn(batch: metrics.ResourceMetrics): number {
  let n = 0;
  for (const scope of batch.scopeMetrics)
    for (const metric of scope.metrics)
      if (metric.descriptor.name === OTLP_RUNS_NAME)
        for (const point of metric.dataPoints) n += typeof point.value === 'number' ? point.value : 0;
  return n;
}

/**
 * Runs are counted in the order of their seq, so a delta export carries the next runs not yet
 * exported: a failed one loses exactly those (the SDK never sends a delta again). A cumulative
 * export carries the whole total, and the next one makes good a failure: nothing is lost.
 */
function createPushLedger(temporality: 'cumulative' | 'delta') {
  const failed = { count: 0, lastAtMs: 0, status: undefined as number | undefined };
  let exported = 0;
  let forgotten = 0;
  const stretches: [from: number, to: number][] = [];
  return {
    exported(runs: number, result: { code: number; error?: unknown }) {
      const from = exported + 1;
      if (temporality === 'delta') exported += runs;
      if (result.code === 0) return;
      failed.count += 1;
      failed.lastAtMs = Date.now();
      const status = (result.error as { code?: unknown } | undefined)?.code;
      failed.status = typeof status === 'number' ? status : undefined;
      if (temporality !== 'delta' || exported < from) return;
      stretches.push([from, exported]);
      if (stretches.length > MAX_LOST_STRETCHES) {
        const [a, b] = stretches.shift()!;
        forgotten += b - a + 1;
      }
    },
    refused: () => (failed.count > 0 ? { ...failed } : undefined),
    lost: (seq: number) => stretches.some(([from, to]) => seq >= from && seq <= to),
    lostThrough: (seq: number) =>
      stretches.reduce((n, [from, to]) => n + (seq >= from ? Math.min(seq, to) - from + 1 : 0), forgotten),
  } satisfies PushDelivery & { exported(runs: number, result: { code: number; error?: unknown }): void };
}
