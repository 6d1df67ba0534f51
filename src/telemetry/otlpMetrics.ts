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
  /** The exports the store refused or that failed, as the metric read-back names them in a miss. */
  readonly pushes: { refused(): { count: number; lastAtMs: number; status?: number } | undefined };
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
      pushes: { refused: () => undefined },
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
  const failed = { count: 0, lastAtMs: 0, status: undefined as number | undefined };
  const counted: metrics.PushMetricExporter = {
    export: (batch, done) =>
      exporter.export(batch, (result) => {
        options.countExports(result.code === 0 ? 'success' : 'failure', 1);
        if (result.code !== 0) {
          failed.count += 1;
          failed.lastAtMs = Date.now();
          const code = (result.error as { code?: unknown } | undefined)?.code;
          failed.status = typeof code === 'number' ? code : undefined;
        }
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
      : `otlp ${otlp.protocol} ${shownUrl(url || 'http://localhost:4318/v1/metrics')} (cumulative, every ${otlp.interval} ms)`,
    pushes: { refused: () => (failed.count > 0 ? { ...failed } : undefined) },
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
  // Cumulative whatever OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE says: the read-back compares the
  // store's total with the run's sequence number, and a lost delta push would leave it short for good.
  const temporalityPreference = http.AggregationTemporalityPreference.CUMULATIVE;
  return new Exporter({ ...otlpOptions(url, otlp.headers, otlp.timeout), temporalityPreference });
}
