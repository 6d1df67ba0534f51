import { DEFAULT_PIPELINE } from '../vocabulary';
import type { Config, PipelineSettings } from './schema';

/** What makes one path: where its spans and log records go, where each signal is read back, its schedule. */
export interface PipelineConfig extends PipelineSettings {
  readonly name: string;
}

/** Every pipeline the config declares, the top-level settings first: they are the one named `default`. */
export function pipelinesOf(config: Config): readonly PipelineConfig[] {
  const { traces, log, metrics, verify, schedule, retention } = config;
  return [
    { name: DEFAULT_PIPELINE, traces, log, metrics, verify, schedule, retention } as PipelineConfig,
    ...Object.entries(config.pipelines).map(([name, p]) => ({ name, ...p }) as PipelineConfig),
  ];
}

export const tracesUrl = (traces: PipelineConfig['traces']) =>
  traces.otlp.tracesEndpoint || (traces.otlp.endpoint && `${traces.otlp.endpoint.replace(/\/+$/, '')}/v1/traces`);
/** The span exporter a pipeline uses: `auto` means OTLP when an endpoint is configured (OTEL_EXPORTER_OTLP_*), else the local file. */
export const kindOf = (traces: PipelineConfig['traces']) =>
  traces.exporter === 'auto' ? (tracesUrl(traces) ? 'otlp' : 'file') : traces.exporter;

/** The span file a pipeline writes, if it writes one. */
export const spanFileOf = (traces: PipelineConfig['traces']) =>
  kindOf(traces) === 'file' ? traces.file.path : undefined;

/**
 * How often the run counter reaches the store the metric signal reads: each push when it is pushed
 * over OTLP, else each scrape. A healthy metric lag is up to one of these and a poll.
 */
export const counterIntervalMs = (p: PipelineConfig): number =>
  p.metrics.otlp.exporter === 'otlp' ? p.metrics.otlp.interval : p.verify.metrics.scrapeInterval;
