import { randomBytes } from 'node:crypto';
import { resources, type logs, type metrics, type tracing } from '@opentelemetry/sdk-node';
import type Transport from 'winston-transport';
import { pipelinesOf, type PipelineConfig } from '../config/pipelines';
import type { Config } from '../config/schema';
import { VERSION } from '../version';
import { METRICS_PATH, PROBE_PATHS } from '../vocabulary';
import { createLogger, type AppLogger } from './logger';
import { createExportMetrics } from './metrics/exports';
import { seriesProfile, type SeriesProfile } from './metrics/profile';
import { createRegistry, type MetricsRegistry } from './metrics/registry';
import { createRunMetrics } from './metrics/runs';
import { createOtlpLogs, type OtlpLogs } from './otlpLogs';
import { createOtlpMetrics, type OtlpMetrics } from './otlpMetrics';
import { startRequestSpans, type RequestSpans } from './requestSpans';
import { createTracing, type Tracing } from './tracing';

/** What the telemetry is made with besides the config: replacements for tests. */
export interface TelemetryOptions {
  /** Replaces every pipeline's span exporter (tests). */
  readonly spanExporter?: tracing.SpanExporter;
  /** Replaces every pipeline's OTLP log exporter (tests). */
  readonly logRecordExporter?: logs.LogRecordExporter;
  /** Replaces every pipeline's OTLP metric exporter (tests). */
  readonly metricExporter?: metrics.PushMetricExporter;
  /** Replace the log file and stdout (tests). */
  readonly logTransports?: Transport[];
  readonly processId?: string;
}

/** Where one pipeline's spans and log records go. */
export interface PipelineTelemetry {
  readonly config: PipelineConfig;
  readonly tracing: Tracing;
  readonly otlpLogs: OtlpLogs;
  readonly otlpMetrics: OtlpMetrics;
}

export interface Telemetry {
  /** This process's id: on its run counter and its verification lines. */
  readonly processId: string;
  readonly registry: MetricsRegistry;
  /** Which series the metrics start and keep (metrics.profile). */
  readonly series: SeriesProfile;
  readonly runMetrics: ReturnType<typeof createRunMetrics>;
  readonly exportMetrics: ReturnType<typeof createExportMetrics>;
  readonly logs: AppLogger;
  readonly requestSpans: RequestSpans | undefined;
  readonly pipelines: readonly PipelineTelemetry[];
  /** Exports what every pipeline has queued. */
  forceFlush(): Promise<void>;
  /** Exports what is queued and closes every exporter; never rejects (a failed export is counted). */
  shutdownExporters(): Promise<void>;
  /** The exporters, then the log. */
  close(): Promise<void>;
}

/**
 * Metrics, the log and each pipeline's span and log-record pipelines, built from the config. Before
 * koa is loaded: with request spans on, instrumentation must patch koa as it is first required.
 */

export function createTelemetry(config: Config, options: TelemetryOptions = {}): Telemetry {
  const processId = options.processId ?? randomBytes(8).toString('hex');
  const series = seriesProfile(config.metrics.profile);
  const registry = createRegistry({ processMetrics: config.metrics.processMetrics, profile: series });
  const runMetrics = createRunMetrics(registry, processId, series);
  const exportMetrics = createExportMetrics(registry);
  const disabled = config.otel.disabled;
  const resource = resources
    .defaultResource()
    .merge(
      resources.detectResources({
        detectors: [resources.envDetector, resources.processDetector, resources.hostDetector],
      }),
    )
    .merge(resources.resourceFromAttributes({ 'service.name': config.service.name, 'service.version': VERSION }));
  const pipelines = pipelinesOf(config).map((p): PipelineTelemetry => ({
    config: p,
    tracing: createTracing(
      { pipeline: p.name, traces: p.traces, resource, disabled, linkRequestSpan: config.traces.requestSpans },
      { countSpans: exportMetrics.spans(p.name), ...(options.spanExporter ? { exporter: options.spanExporter } : {}) },
    ),
    otlpLogs: createOtlpLogs(
      { pipeline: p.name, otlp: p.log.otlp, resource, disabled },
      {
        countRecords: exportMetrics.logRecords(p.name),
        ...(options.logRecordExporter ? { exporter: options.logRecordExporter } : {}),
      },
    ),
    otlpMetrics: createOtlpMetrics(
      { pipeline: p.name, processId, otlp: p.metrics.otlp, resource, disabled },
      {
        countExports: p.metrics.otlp.exporter === 'otlp' && !disabled ? exportMetrics.metricExports(p.name) : () => {},
        ...(options.metricExporter ? { exporter: options.metricExporter } : {}),
      },
    ),
  }));
  const exporters = pipelines.flatMap((p) => [p.tracing, p.otlpLogs, p.otlpMetrics]);
  const flushAll = () => Promise.all(exporters.map((e) => e.shutdown()));
  const processor = pipelines[0]?.tracing.processor;
  const requestSpans =
    config.traces.requestSpans && processor
      ? startRequestSpans({ resource, processor, untracedPaths: [...PROBE_PATHS, METRICS_PATH] })
      : undefined;
  let logs: AppLogger;
  try {
    const otlp = pipelines.flatMap((p) => (p.otlpLogs.transport ? [p.otlpLogs.transport] : []));
    logs = createLogger(
      { service: config.service.name, processId, ...config.log },
      { ...(options.logTransports ? { transports: options.logTransports } : {}), otlp },
    );
  } catch (err) {
    void flushAll();
    void requestSpans?.shutdown();
    throw err;
  }
  return {
    processId,
    registry,
    series,
    runMetrics,
    exportMetrics,
    logs,
    requestSpans,
    pipelines,
    forceFlush: async () => void (await Promise.all(exporters.map((e) => e.forceFlush()))),
    shutdownExporters: async () => void (await Promise.all([flushAll(), requestSpans?.shutdown()])),
    async close() {
      await this.shutdownExporters();
      await logs.close();
    },
  };
}
