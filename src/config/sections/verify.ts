import { z } from 'zod';
import { backendConnection } from '../blocks';
import * as k from '../kinds';
import { env, key, section } from '../kinds';

/** Reading each signal back: deadlines, capacity, and where each signal is read from. */
export const verify = z.strictObject({
  timeout: key(k.durationMs('1h'), {
    default: '30s',
    env: env('VERIFY_TIMEOUT'),
    help: 'a signal not confirmed within this is missing (timeout)',
  }),
  pollInterval: key(k.durationMs('1m'), {
    default: '250ms',
    env: env('VERIFY_POLL_INTERVAL'),
    help: 'how often each reader looks for the runs awaiting it',
  }),
  maxPending: key(k.int(1, 1_000_000), {
    default: 100000,
    env: env('VERIFY_MAX_PENDING'),
    help: 'GET and scheduled runs awaiting verification at once; beyond, skipped/over_capacity',
  }),
  maxPendingApi: key(k.int(1, 1_000_000), {
    default: 1000,
    env: env('VERIFY_MAX_PENDING_API'),
    help: 'POST runs (deploy gates) awaiting verification: room of their own',
  }),
  log: z.strictObject({
    enabled: key(k.bool(), {
      default: true,
      env: env('VERIFY_LOG'),
      help: "read the run's line back from log.file.path (and the OTLP exporter's answer)",
    }),
    loki: section(
      z.strictObject({
        url: key(k.urlOrEmpty(), {
          default: '',
          env: env('LOKI_URL'),
          help: 'e.g. http://loki:3100; "" = not read back from Loki',
        }),
        selector: key(k.streamSelector(), {
          default: '{service_name="petsage-smoke"}',
          env: env('LOKI_SELECTOR'),
          help: "the stream the daemon's lines land in",
        }),
        match: key(k.oneOf(['metadata', 'line'] as const), {
          default: 'metadata',
          env: env('LOKI_MATCH'),
          help: 'metadata: OTLP-ingested records (trace_id as structured metadata); line: shipped lines',
        }),
        ...backendConnection('loki', 'LOKI'),
      }),
      'then also from Loki, by trace id',
    ),
  }),
  traces: z.strictObject({
    enabled: key(k.bool(), {
      default: true,
      env: env('VERIFY_TRACES'),
      help: "wait for the exporter's acknowledgement of the run span",
    }),
    queryUrl: key(k.urlOrEmpty(), {
      default: '',
      env: env('TRACES_QUERY_URL'),
      help: 'then also find the trace by id, Tempo or Jaeger (GET /api/traces/<id>)',
    }),
    tempo: section(
      z.strictObject({
        url: key(k.urlOrEmpty(), { default: '', env: env('TEMPO_URL'), help: 'e.g. http://tempo:3200' }),
        search: key(k.bool(), {
          default: false,
          env: env('TEMPO_SEARCH'),
          help: 'also find the run by TraceQL search',
        }),
        ...backendConnection('tempo', 'TEMPO'),
      }),
      '... or in Tempo, by id and (search: true) by TraceQL',
    ),
    jaeger: section(
      z.strictObject({
        url: key(k.urlOrEmpty(), { default: '', env: env('JAEGER_URL'), help: 'e.g. http://jaeger:16686' }),
        api: key(k.oneOf(['v1', 'v3'] as const), {
          default: 'v1',
          env: env('JAEGER_API'),
          help: "v1: the UI's /api/traces; v3: Jaeger v2's /api/v3/traces",
        }),
        ...backendConnection('jaeger', 'JAEGER'),
      }),
      '... or in Jaeger, by id',
    ),
  }),
  metrics: section(
    z.strictObject({
      enabled: key(k.bool(), { default: true, env: env('VERIFY_METRICS'), help: 'read the run counter back' }),
      prometheusUrl: key(k.urlOrEmpty(), {
        default: '',
        env: env('PROMETHEUS_URL'),
        help: 'a Prometheus-compatible query API; "" = our own /metrics',
      }),
      pathPrefix: key(k.pathPrefix(), {
        default: '',
        env: env('PROMETHEUS_PATH_PREFIX'),
        help: 'before /api/v1/query: /prometheus for Mimir',
      }),
      selector: key(k.labelMatchers(), {
        default: '',
        env: env('METRICS_SELECTOR'),
        help: "label matchers besides this process's own process_id, which alone finds its samples behind any scrape",
      }),
      scrapeInterval: key(k.durationMs('1h'), {
        default: '15s',
        env: env('SCRAPE_INTERVAL'),
        help: "the interval Prometheus scrapes this daemon at: the metric signal's lag buckets and alert scale with it",
      }),
      ...backendConnection('prometheus', 'PROMETHEUS'),
    }),
    "The run counter, read back by this process's id label",
  ),
  health: z.strictObject({
    staleAfterIntervals: key(k.int(1, 1000), {
      default: 3,
      env: env('HEALTH_STALE_AFTER_INTERVALS'),
      help: "/healthz warns when a signal's last verification is older than this many intervals",
    }),
    failAfterRuns: key(k.int(1, 1000), {
      default: 3,
      env: env('HEALTH_FAIL_AFTER_RUNS'),
      help: '/healthz fails when this many runs in a row failed a signal',
    }),
  }),
});
