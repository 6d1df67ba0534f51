/**
 * Names users grep, query, graph and alert on, defined once. Everything else imports these:
 * telemetry, verify, http, the OpenAPI document, the tests; dashboards and alert rules are
 * checked against them. This module imports nothing.
 */

export const FEATURE = 'smoke_test';

/** The grep contract: every run writes exactly one line with this message and event. */
export const VERIFICATION_MESSAGE = 'PetSage smoke test endpoint executed successfully. Logging verified.';

/** The `event` field of the daemon's own log lines. */
export const EVENT = {
  verification: 'smoke_test.verification',
  verificationFailed: 'smoke_test.verification_failed',
  listening: 'daemon.listening',
  shutdownStarted: 'daemon.shutdown_started',
  stopped: 'daemon.stopped',
  logReopened: 'log.reopened',
  logFileUnavailable: 'log.file_unavailable',
  httpError: 'http.error',
  clientAborted: 'http.client_aborted',
  lostAfterIngest: 'smoke_test.lost_after_ingest',
  stateWritten: 'state.written',
  stateRestored: 'state.restored',
  stateUnreadable: 'state.unreadable',
  stateSetAside: 'state.set_aside',
  runsShed: 'smoke_test.shed',
  configWarning: 'config.warning',
} as const;
export const VERIFICATION_EVENT = EVENT.verification;

/** Paths of the HTTP contract that other parts name: the run, the scrape, the probes. */
export const SMOKE_TEST_PATH = '/smoke-test';
export const METRICS_PATH = '/metrics';
export const PROBE_PATH = '/probe';
export const PROBE_PATHS = ['/livez', '/readyz', '/healthz'] as const;

export const RUN_SPAN_NAME = 'smoke_test.run';
/** Span attributes set on every run span. */
export const ATTR_RUN_ID = 'petsage.smoke.run_id';
export const ATTR_RUN_SEQ = 'petsage.smoke.seq';
export const ATTR_TRIGGER = 'petsage.smoke.trigger';
export const ATTR_PIPELINE = 'petsage.smoke.pipeline';

/** The pipeline today's top-level settings make: every existing config, route and answer is this one. */
export const DEFAULT_PIPELINE = 'default';
/** A pipeline's name: a metric label value and a path segment, so short and plain. */
export const PIPELINE_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/** The label on the run counter that names the process that counted: a random id picked at start, so
 * no other process's samples (an earlier one on the same address, a neighbour) can verify a run. */
export const PROCESS_LABEL = 'process_id';

/** http: GET /smoke-test and its aliases; schedule: the daemon's own; api: POST /smoke-test (`check`, deploy
 * gates); probe: GET /probe (Prometheus driving runs, as it drives blackbox_exporter). */
export const TRIGGERS = ['http', 'schedule', 'api', 'probe'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export const SIGNALS = ['log', 'trace', 'metric'] as const;
export type Signal = (typeof SIGNALS)[number];

/** A caller's run id: a deploy sha, a ticket, a build number. Never free text. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const RUN_ID_RULE = '1-128 characters: letters, digits and . _ : - (starting with a letter or digit)';

/** Why a signal was not emitted. A small fixed set: these become metric label values. */
export const EMIT_STATUSES = ['emitted', 'skipped', 'error'] as const;
export const EMIT_REASONS = ['write_failed', 'dropped', 'sampled_out', 'disabled', 'emit_failed'] as const;
export type EmitReason = (typeof EMIT_REASONS)[number];

export const RUN_OUTCOMES = ['success', 'failure'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** A span's or log record's export: success (acknowledged), failure (the export failed), dropped (never reached an exporter). */
export const EXPORT_OUTCOMES = ['success', 'failure', 'dropped'] as const;
export type ExportOutcome = (typeof EXPORT_OUTCOMES)[number];

export const VERIFY_OUTCOMES = ['verified', 'missing', 'error', 'skipped'] as const;
export type VerifyOutcome = (typeof VERIFY_OUTCOMES)[number];

/** Every (outcome, reason) pair a verdict can have: a small fixed set, so they can be metric labels. */
export const VERDICT_KINDS = [
  ['verified', 'none'],
  ['missing', 'not_found'],
  ['missing', 'timeout'],
  // A trace store looked up by id, and by search, and found nothing.
  ['missing', 'notfound_byid'],
  ['missing', 'notfound_search'],
  // Found, but not as emitted (a span or an attribute missing).
  ['error', 'incomplete'],
  // A backend's query failed: each way it can fail is a reason of its own (readers/httpClient.ts).
  ['error', 'query_failed'],
  ['error', 'unreachable'],
  ['error', 'query_timeout'],
  ['error', 'unauthorized'],
  ['error', 'endpoint_not_found'],
  ['error', 'server_error'],
  // The store refused for overload (429): transient, so the alert rules wait for it to persist.
  ['error', 'throttled'],
  ['error', 'bad_response'],
  ['error', 'export_failed'],
  ['error', 'dropped'],
  ['error', 'write_failed'],
  ['error', 'emit_failed'],
  ['skipped', 'sampled_out'],
  ['skipped', 'disabled'],
  ['skipped', 'over_capacity'],
] as const;
export type VerifyReason = (typeof VERDICT_KINDS)[number][1];
export const VERIFY_REASONS: readonly VerifyReason[] = [...new Set(VERDICT_KINDS.map(([, reason]) => reason))];

/** Where a verdict came from: a small fixed set, so it can be shown and counted. */
export const BACKENDS = [
  'file',
  'log_exporter',
  'loki',
  'exporter',
  'tempo',
  'jaeger',
  'trace_api',
  'self',
  'prometheus',
] as const;
export type Backend = (typeof BACKENDS)[number];

/** A spot check's re-read of a run verified earlier: still there, gone, or the store could not say. */
export const SPOT_OUTCOMES = ['found', 'lost_after_ingest', 'error'] as const;
export type SpotOutcome = (typeof SPOT_OUTCOMES)[number];

/** pending until every signal has a verdict; then verified, failed (an error) or timeout (missing); unverified: never read back. */
export const RUN_STATUSES = ['pending', 'verified', 'failed', 'timeout', 'unverified'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const SCHEDULE_STATES = ['running', 'suspended', 'stopped', 'disabled'] as const;
export type ScheduleState = (typeof SCHEDULE_STATES)[number];

/** draft-inadarei-api-health-check statuses. */
export const HEALTH_STATUSES = ['pass', 'warn', 'fail'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** Metric names: dashboards, alert rules and tests use these constants. */
export const METRIC = {
  runs: 'petsage_smoke_runs_total',
  runDuration: 'petsage_smoke_run_duration_seconds',
  spansExported: 'petsage_smoke_spans_exported_total',
  logRecordsExported: 'petsage_smoke_log_records_exported_total',
  metricExports: 'petsage_smoke_metric_exports_total',
  verifications: 'petsage_smoke_signal_verifications_total',
  lag: 'petsage_smoke_signal_lag_seconds',
  lastVerified: 'petsage_smoke_signal_last_verified_timestamp_seconds',
  httpDuration: 'petsage_smoke_http_request_duration_seconds',
  spotChecks: 'petsage_smoke_spot_checks_total',
  spotRuns: 'petsage_smoke_spot_check_runs',
  consecutiveFailures: 'petsage_smoke_signal_consecutive_failures',
  scheduleInterval: 'petsage_smoke_schedule_interval_seconds',
  verifyTimeout: 'petsage_smoke_verify_timeout_seconds',
  scrapeInterval: 'petsage_smoke_scrape_interval_seconds',
  runsShed: 'petsage_smoke_runs_shed_total',
  connectionsRefused: 'petsage_smoke_connections_refused_total',
} as const;

/** What GET /probe answers, in the names blackbox_exporter made familiar. */
export const PROBE_METRIC = {
  success: 'probe_success',
  duration: 'probe_duration_seconds',
  signalSuccess: 'probe_signal_success',
  signalLag: 'probe_signal_lag_seconds',
  signalVerdict: 'probe_signal_verdict',
} as const;

/** A Prometheus metric name, as a `name` filter must be spelled. */
export const METRIC_NAME_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** A span's ids as OpenMetrics exemplar labels: a metric point links to its trace. */
export interface Exemplar {
  readonly trace_id: string;
  readonly span_id: string;
}

export const exemplarOf = (ids: { readonly traceId: string; readonly spanId: string }): Exemplar => ({
  trace_id: ids.traceId,
  span_id: ids.spanId,
});
