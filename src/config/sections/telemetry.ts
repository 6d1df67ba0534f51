import { z } from 'zod';
import { batchSettings } from '../blocks';
import * as k from '../kinds';
import { env, key, section } from '../kinds';

export const LOG_EXPORTERS = ['auto', 'otlp', 'none'] as const;
export const TRACE_EXPORTERS = ['auto', 'otlp', 'file', 'console', 'none'] as const;
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;

/** The log: its file, stdout, and the verification line as an OTLP record. */
export const log = z.strictObject({
  level: key(k.oneOf(['info', 'debug'] as const), {
    default: 'info',
    env: env('LOG_LEVEL'),
    help: 'info | debug (the verification line is written at info)',
  }),
  file: z.strictObject({
    enabled: key(k.bool(), { default: true, env: env('LOG_FILE_ENABLED'), help: 'write the log to a file' }),
    path: key(k.text(), {
      default: './var/log/petsage-smoke.log',
      env: env('LOG_FILE'),
      help: 'the file; its directory is created at start',
    }),
    required: key(k.bool(), {
      default: true,
      env: env('LOG_FILE_REQUIRED'),
      help: 'false: if the file cannot be opened at start, log to stdout only',
    }),
    maxSize: key(k.byteSize(), {
      default: '100MiB',
      env: env('LOG_FILE_MAX_SIZE'),
      help: 'rotate before the file passes this size (0: never; use logrotate)',
    }),
    maxFiles: key(k.int(1, 1000), {
      default: 5,
      env: env('LOG_FILE_MAX_FILES'),
      help: 'rotated files kept: .1 (newest) .. .N',
    }),
  }),
  stdout: z.strictObject({
    enabled: key(k.bool(), { default: true, env: env('LOG_STDOUT'), help: 'also write the log to stdout' }),
  }),
  maxBacklog: key(k.int(1, 10_000_000), {
    default: 10000,
    env: env('LOG_MAX_BACKLOG'),
    help: 'lines logged and not yet written past this: new anonymous runs are refused (503) until the log catches up',
  }),
  otlp: section(
    z.strictObject({
      exporter: key(k.oneOf(LOG_EXPORTERS), {
        default: 'auto',
        env: env('OTEL_LOGS_EXPORTER'),
        help: 'auto | otlp | none; auto: otlp when an endpoint is set',
      }),
      endpoint: key(k.urlOrEmpty(), {
        default: '',
        env: env('OTEL_EXPORTER_OTLP_ENDPOINT'),
        help: 'base URL, e.g. http://127.0.0.1:4318 (/v1/logs is appended)',
      }),
      logsEndpoint: key(k.urlOrEmpty(), {
        default: '',
        env: env('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT'),
        help: 'full URL; wins over endpoint',
      }),
      protocol: key(k.oneOf(OTLP_PROTOCOLS), {
        default: 'http/protobuf',
        env: env('OTEL_EXPORTER_OTLP_LOGS_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'),
        help: 'http/protobuf | http/json',
      }),
      headers: key(k.headerMap(), {
        default: {},
        env: env('OTEL_EXPORTER_OTLP_LOGS_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS'),
        help: 'sent with every export, e.g. X-Scope-OrgID: team-a',
        secret: true,
      }),
      batch: batchSettings('OTEL_BLRP', 'records'),
    }),
    'The verification line also as an OTLP log record (winston stays its source)',
  ),
});

/** Where run spans go: OTLP, a file, the console, or nowhere. */
export const traces = z.strictObject({
  exporter: key(k.oneOf(TRACE_EXPORTERS), {
    default: 'auto',
    env: env('OTEL_TRACES_EXPORTER'),
    help: 'auto | otlp | file | console | none; auto: otlp when an OTLP endpoint is set, else file',
  }),
  requestSpans: key(k.bool(), {
    default: false,
    env: env('REQUEST_SPANS'),
    help: 'also trace every request (HTTP server and Koa router spans, incoming traceparent honoured); costs ~40 % throughput',
  }),
  file: z.strictObject({
    path: key(k.text(), {
      default: './var/spans/petsage-smoke-spans.jsonl',
      env: env('SPAN_FILE'),
      help: "OTLP/JSON lines (the Collector's otlpjsonfile format)",
    }),
    maxSize: key(k.byteSize(), {
      default: '100MiB',
      env: env('SPAN_FILE_MAX_SIZE'),
      help: 'rotate before the file passes this size (0: never)',
    }),
    maxFiles: key(k.int(1, 1000), {
      default: 5,
      env: env('SPAN_FILE_MAX_FILES'),
      help: 'rotated files kept: .1 (newest) .. .N',
    }),
  }),
  otlp: z.strictObject({
    endpoint: key(k.urlOrEmpty(), {
      default: '',
      env: env('OTEL_EXPORTER_OTLP_ENDPOINT'),
      help: 'base URL, e.g. http://127.0.0.1:4318 (/v1/traces is appended)',
    }),
    tracesEndpoint: key(k.urlOrEmpty(), {
      default: '',
      env: env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'),
      help: 'full URL; wins over endpoint',
    }),
    protocol: key(k.oneOf(OTLP_PROTOCOLS), {
      default: 'http/protobuf',
      env: env('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'),
      help: 'http/protobuf | http/json',
    }),
    headers: key(k.headerMap(), {
      default: {},
      env: env('OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS'),
      help: 'sent with every export, e.g. X-Scope-OrgID: team-a',
      secret: true,
    }),
  }),
  batch: batchSettings('OTEL_BSP', 'spans'),
});

export const METRIC_EXPORTERS = ['none', 'otlp'] as const;
/** Which series the daemon's metrics start and keep (src/telemetry/metrics/profile.ts). */
export const SERIES_PROFILES = ['full', 'node'] as const;
export const TEMPORALITIES = ['cumulative', 'delta'] as const;

/** The daemon's own metrics, and the run counter pushed over OTLP for stacks where nothing scrapes. */
export const metrics = z.strictObject({
  profile: key(k.oneOf(SERIES_PROFILES), {
    default: 'full',
    env: env('METRICS_PROFILE'),
    help: 'full | node: node, for a daemon on every node, exposes only the series the shipped rules and panels read (docs/operations.md#series-per-daemon)',
  }),
  processMetrics: key(k.bool(), {
    default: true,
    env: env('PROCESS_METRICS'),
    help: "prom-client's process_* and nodejs_* metrics",
  }),
  otlp: section(
    z.strictObject({
      exporter: key(k.oneOf(METRIC_EXPORTERS), {
        default: 'none',
        env: env('OTEL_METRICS_EXPORTER'),
        help: 'none | otlp: also push the run counter as an OTLP metric (read it back from the store it reaches)',
      }),
      endpoint: key(k.urlOrEmpty(), {
        default: '',
        env: env('OTEL_EXPORTER_OTLP_ENDPOINT'),
        help: 'base URL, e.g. http://127.0.0.1:4318 (/v1/metrics is appended)',
      }),
      metricsEndpoint: key(k.urlOrEmpty(), {
        default: '',
        env: env('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'),
        help: 'full URL; wins over endpoint',
      }),
      protocol: key(k.oneOf(OTLP_PROTOCOLS), {
        default: 'http/protobuf',
        env: env('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'),
        help: 'http/protobuf | http/json',
      }),
      headers: key(k.headerMap(), {
        default: {},
        env: env('OTEL_EXPORTER_OTLP_METRICS_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS'),
        help: 'sent with every export, e.g. X-Scope-OrgID: team-a',
        secret: true,
      }),
      temporality: key(k.oneOf(TEMPORALITIES), {
        default: 'cumulative',
        env: env('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE'),
        help: 'cumulative (a failed push is made good by the next) | delta (the store sums the deltas; a failed push loses its runs: error/export_failed)',
      }),
      interval: key(k.durationMs('1h'), {
        default: '15s',
        env: env('OTEL_METRIC_EXPORT_INTERVAL'),
        help: 'time between exports: the metric signal waits up to this for its push',
      }),
      timeout: key(k.durationMs('10m'), {
        default: '5s',
        env: env('OTEL_METRIC_EXPORT_TIMEOUT'),
        help: 'one export may take this long',
      }),
    }),
    "The run counter pushed over OTLP metrics (collector -> Mimir, Prometheus's OTLP receiver), per pipeline",
  ),
});
