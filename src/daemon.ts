import { createServer, type Server } from 'node:http';
import { answerClientError } from './http/errors';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Config } from './config';
import { createApp } from './http/app';
import { createLifecycle, type Lifecycle } from './http/lifecycle';
import { PROBE_PATHS } from './http/routes/health';
import { METRICS_PATH } from './http/routes/metrics';
import { enabledLegacyRoutes } from './http/routes/legacy';
import { SMOKE_TEST_PATH } from './http/routes/smokeTest';
import { createRuns } from './runs';
import { createSmokeRunner } from './smoke/runSmokeTest';
import { createScheduler, type Scheduler } from './smoke/scheduler';
import { createRenderer } from './telemetry/exposition';
import type { AppLogger } from './telemetry/logger';
import { METRIC, type Metrics } from './telemetry/metrics';
import type { Tracing } from './telemetry/tracing';
import { createJudge, type Judge } from './verify/judge';
import { createLogVerifier } from './verify/logVerifier';
import { createMetricVerifier, prometheusSource, selfScrapeSource } from './verify/metricVerifier';
import { createSignalHealth } from './verify/signalHealth';
import { createTraceVerifier, type SpanAck } from './verify/traceVerifier';
import type { SignalVerifier } from './verify/types';
import type { Waiters } from './verify/waiters';
import { VERSION } from './version';

export interface Telemetry {
  readonly tracing: Tracing;
  readonly logs: AppLogger;
  readonly metrics: Metrics;
  /** Exporter acknowledgements of run spans, by trace id (fed by tracing). */
  readonly spanAcks: Waiters<SpanAck>;
}

export interface Daemon {
  readonly url: string;
  /** Drains: readiness fails, the schedule and pending verifications stop, the server stops
   * accepting and finishes in-flight requests, spans are flushed, a final tally is logged and
   * the log is closed. */
  stop(reason: string): Promise<void>;
}

export interface Service {
  readonly app: Koa;
  readonly lifecycle: Lifecycle;
  readonly scheduler: Scheduler;
  readonly judge: Judge;
  /** Resolves when every verifier is in place; runs before it may not be read back. */
  readonly ready: Promise<void>;
}

/** Wires the core, the verifiers and the telemetry into the Koa app. */
export function buildService(config: Config, telemetry: Telemetry, address: { baseUrl: () => string; hostPort: () => string }): Service {
  const { tracing, logs, metrics } = telemetry;
  const now = Date.now;
  const { verify } = config;
  const verifiers: { log?: SignalVerifier; trace?: SignalVerifier; metric?: SignalVerifier } = {};
  if (verify.log.enabled && logs.file !== undefined) {
    verifiers.log = createLogVerifier({ file: logs.file, pollMs: verify.pollInterval, writeFailed: logs.writeFailed, now });
  }
  if (verify.traces.enabled) {
    verifiers.trace = createTraceVerifier({ acks: telemetry.spanAcks, queryUrl: verify.traces.queryUrl, pollMs: verify.pollInterval, now });
  }
  if (verify.metrics.enabled) {
    const source = verify.metrics.prometheusUrl
      ? prometheusSource(verify.metrics.prometheusUrl, () => verify.metrics.selector || `instance="${address.hostPort()}"`)
      : selfScrapeSource(() => `${address.baseUrl()}${METRICS_PATH}?name=${METRIC.runs}`, config.auth.token);
    verifiers.metric = createMetricVerifier({ source, pollMs: verify.pollInterval, now });
  }

  const signalHealth = createSignalHealth({
    staleAfterMs: verify.health.staleAfterIntervals * config.schedule.interval,
    failAfterRuns: verify.health.failAfterRuns,
    now,
    startedMs: now(),
  });
  const judge = createJudge({
    verifiers,
    timeoutMs: verify.timeout,
    capacity: config.ledger.size,
    now,
    onVerdict(verdict, run) {
      // Only a verified verdict's lag carries the exemplar: no object for the others (an overload gives three per run).
      const linked = verdict.outcome === 'verified' && run.signals.trace.status === 'emitted';
      metrics.recordVerdict(verdict, linked ? { trace_id: run.traceId, span_id: run.spanId } : undefined);
      signalHealth.observe(verdict);
      if (verdict.outcome === 'missing' || verdict.outcome === 'error') {
        logs.logger.warn('signal not verified', {
          event: 'smoke_test.verification_failed',
          run_id: run.id,
          trace_id: run.traceId,
          seq: run.seq,
          signal: verdict.signal,
          outcome: verdict.outcome,
          reason: verdict.reason,
          ...(verdict.detail ? { detail: verdict.detail } : {}),
        });
      }
    },
  });
  const runner = createSmokeRunner({ tracer: tracing.port, log: logs.port, metrics: metrics.port, clock: { now } });
  const runs = createRuns({ run: runner, judge, capacity: config.ledger.size });
  const scheduler = createScheduler({ intervalMs: config.schedule.interval, tick: () => runs.start('schedule') });
  const lifecycle = createLifecycle();
  const app = createApp({
    service: { name: config.service.name, version: VERSION },
    runs,
    signalHealth,
    scheduler,
    renderMetrics: createRenderer(metrics.registry),
    lifecycle,
    logger: logs.logger,
    observeRequest: metrics.observeRequest,
    currentExemplar: tracing.currentExemplar,
    legacy: config.legacyRoutes,
    access: config,
  });
  const routes = [SMOKE_TEST_PATH, ...PROBE_PATHS, METRICS_PATH, ...enabledLegacyRoutes(config.legacyRoutes).map((r) => r.path)];
  metrics.initRequests(routes.map((route) => ({ route, method: 'GET', status: '200' })));
  const ready = Promise.all(Object.values(verifiers).map((v) => v.ready)).then(() => undefined);
  return { app, lifecycle, scheduler, judge, ready };
}

/** Serves the service on the configured address. Loaded after tracing starts (see main.ts). */
export async function startDaemon(config: Config, telemetry: Telemetry): Promise<Daemon> {
  const { tracing, logs, metrics } = telemetry;
  let bound = { baseUrl: '', hostPort: '' };
  const service = buildService(config, telemetry, { baseUrl: () => bound.baseUrl, hostPort: () => bound.hostPort });
  await service.ready;
  const handle = service.app.callback(); // Koa settles its own promise (errors are answered by the envelope in app.ts)
  const server = createServer((req, res) => void handle(req, res));
  server.on('clientError', answerClientError);
  bound = await listen(server, config.server.host, config.server.port);
  logs.logger.info('listening', {
    event: 'daemon.listening',
    url: bound.baseUrl,
    version: VERSION,
    traces: tracing.destination,
    log_file: logs.file ?? null,
    schedule: config.schedule.interval > 0 ? `every ${config.schedule.interval} ms` : 'off',
    startup_seconds: Number(process.uptime().toFixed(3)),
  });

  return {
    url: bound.baseUrl,
    async stop(reason) {
      service.lifecycle.startDraining();
      logs.logger.info('shutting down', { event: 'daemon.shutdown_started', reason });
      service.scheduler.stop();
      await service.judge.stop();
      await closeServer(server);
      await tracing.shutdown();
      const totals = await metrics.totals();
      logs.logger.info('stopped', {
        event: 'daemon.stopped',
        runs_total: totals.runs,
        spans_exported: totals.spans.success,
        spans_failed: totals.spans.failure,
        spans_dropped: totals.spans.dropped,
      });
      await logs.close();
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<{ baseUrl: string; hostPort: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`cannot listen on ${host}:${port}: ${err.code ?? err.message}; set server.port (PORT or --port) to a free port`)),
    );
    server.listen(port, host, () => {
      const { address, port: boundPort } = server.address() as AddressInfo;
      const hostPort = `${address.includes(':') ? `[${address}]` : address}:${boundPort}`;
      resolve({ baseUrl: `http://${hostPort}`, hostPort });
    });
  });
}

/** Stops accepting, lets in-flight requests finish; idle keep-alive sockets are closed now. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
