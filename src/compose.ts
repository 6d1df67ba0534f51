import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type Koa from 'koa';
import type Transport from 'winston-transport';
import type { Config } from './config/schema';
import type { Lifecycle } from './http/lifecycle';
import type * as HttpModule from './http/module';
import { exporterAckReader } from './readers/exporterAck';
import { chooseReaders } from './readers/select';
import { createRuns, type Runs } from './runs';
import { createSmokeRunner } from './smoke/runSmokeTest';
import { createScheduler, type Scheduler } from './smoke/scheduler';
import type { Clock } from './smoke/types';
import { createRenderer } from './telemetry/exposition';
import { createLogger, type AppLogger } from './telemetry/logger';
import { createMetrics, type Metrics } from './telemetry/metrics';
import { createTracing, type Tracing } from './telemetry/tracing';
import { createJudge, type Judge, type Verifiers } from './verify/judge';
import { createSignalHealth } from './verify/signalHealth';
import { createSignalVerifier } from './verify/signalVerifier';
import { createVerdictSink } from './verify/verdicts';
import { VERSION } from './version';
import { EVENT, METRICS_PATH, PROBE_PATHS, SIGNALS, SMOKE_TEST_PATH } from './vocabulary';

/**
 * The composition root: builds the whole daemon from a Config. It holds no business logic; each
 * part is made by its own factory and handed only what it needs.
 */

export interface ComposeOptions {
  readonly now?: Clock;
  /** Replaces the configured span exporter (tests). */
  readonly spanExporter?: SpanExporter;
  /** Replaces the log file and stdout (tests). */
  readonly logTransports?: Transport[];
  /** This instance as Prometheus labels it, for the default metric selector. */
  readonly hostPort?: string;
}

export interface Telemetry {
  readonly metrics: Metrics;
  readonly tracing: Tracing;
  readonly logs: AppLogger;
  readonly acks: ReturnType<typeof exporterAckReader>;
}

export interface Service {
  readonly app: Koa;
  readonly lifecycle: Lifecycle;
  readonly runs: Runs;
  readonly judge: Judge;
  readonly scheduler: Scheduler;
  readonly telemetry: Telemetry;
  /** Readiness fails, the schedule and the read-back stop; then `closeServer` (in-flight requests
   * finish), spans are flushed, the final tally is logged and the log is closed. */
  stop(reason: string, closeServer?: () => Promise<void>): Promise<void>;
}

/** Metrics, tracing and the logger. Tracing first: with request spans on, it must patch koa before koa loads. */
export function createTelemetry(config: Config, options: ComposeOptions = {}): Telemetry {
  const now = options.now ?? Date.now;
  const metrics = createMetrics({ processMetrics: config.metrics.processMetrics, now });
  const acks = exporterAckReader();
  const tracing = createTracing(
    { service: config.service.name, version: VERSION, traces: config.traces, untracedPaths: [...PROBE_PATHS, METRICS_PATH] },
    { countSpans: metrics.countSpans, onRunSpansExported: (traceIds, ack) => acks.acknowledge(traceIds, ack), now, ...(options.spanExporter ? { exporter: options.spanExporter } : {}) },
  );
  try {
    const logs = createLogger({ service: config.service.name, ...config.log }, options.logTransports ? { transports: options.logTransports } : {});
    return { metrics, tracing, logs, acks };
  } catch (err) {
    void tracing.shutdown();
    throw err;
  }
}

/** Everything else, on top of the telemetry: readers, verifiers, judge, runs, schedule, app. */
export function composeService(config: Config, telemetry: Telemetry, options: ComposeOptions = {}): Service {
  const now = options.now ?? Date.now;
  const { metrics, tracing, logs } = telemetry;
  // Loaded only now: instrumentation patches koa and http as they are first required.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const http = require('./http/module') as typeof HttpModule;
  const render = createRenderer(metrics.registry);
  const readers = chooseReaders(config.verify, {
    logFile: logs.file,
    logWriteFailed: logs.writeFailed,
    acks: telemetry.acks,
    render,
    hostPort: options.hostPort ?? `${config.server.host}:${config.server.port}`,
    now,
  });
  const verifiers = Object.fromEntries(
    SIGNALS.map((s) => {
      const chain = readers[s];
      return [s, chain === 'disabled' ? 'disabled' : createSignalVerifier({ readers: chain, pollMs: config.verify.pollInterval })];
    }),
  ) as unknown as Verifiers;
  const signalHealth = createSignalHealth({
    staleAfterMs: config.verify.health.staleAfterIntervals * config.schedule.interval,
    failAfterRuns: config.verify.health.failAfterRuns,
    now,
    startedMs: now(),
  });
  const judge = createJudge({
    verifiers,
    timeoutMs: config.verify.timeout,
    capacity: { other: config.verify.maxPending, api: config.verify.maxPendingApi },
    now,
    onVerdict: createVerdictSink({ metrics, health: signalHealth, logger: logs.logger }),
  });
  const runner = createSmokeRunner({ tracer: tracing.port, log: logs.port, metrics: metrics.port, now });
  const runs = createRuns({ run: runner, judge, capacity: { other: config.ledger.size, api: config.ledger.apiSize } });
  const scheduler = createScheduler({ intervalMs: config.schedule.interval, tick: () => runs.start('schedule') });
  const lifecycle = http.createLifecycle();
  const app = http.createApp({
    service: { name: config.service.name, version: VERSION },
    runs,
    signalHealth,
    scheduler,
    renderMetrics: render,
    lifecycle,
    logger: logs.logger,
    observeRequest: metrics.observeRequest,
    currentExemplar: tracing.currentExemplar,
    legacy: config.legacyRoutes,
    access: config,
  });
  metrics.initRequests([{ route: SMOKE_TEST_PATH, method: 'GET', status: '200' }]);

  return {
    app,
    lifecycle,
    runs,
    judge,
    scheduler,
    telemetry,
    async stop(reason, closeServer) {
      lifecycle.startDraining();
      logs.logger.info('shutting down', { event: EVENT.shutdownStarted, reason });
      scheduler.stop();
      await judge.stop();
      await closeServer?.();
      await tracing.shutdown();
      const totals = await metrics.totals();
      logs.logger.info('stopped', {
        event: EVENT.stopped,
        runs_total: totals.runs,
        spans_exported: totals.spans.success,
        spans_failed: totals.spans.failure,
        spans_dropped: totals.spans.dropped,
      });
      await logs.close();
    },
  };
}

export interface Daemon {
  readonly url: string;
  stop(reason: string): Promise<void>;
  /** Starts a new log file at the path (SIGHUP, logrotate's convention). */
  reopenLog(): void;
}

/**
 * Listens first, so the bound address is known before anything needs it, then builds the service
 * and attaches it, all in one turn of the event loop: no request arrives in between.
 */
export async function startDaemon(config: Config, options: { warn: (line: string) => void }): Promise<Daemon> {
  const telemetry = createTelemetry(config);
  const { logs } = telemetry;
  if (logs.fallback) {
    options.warn(`petsage-smoke: warning: logging to stdout only: ${logs.fallback}`);
    logs.logger.warn('log file unavailable; logging to stdout only', { event: EVENT.logFileUnavailable, log_file: config.log.file.path });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { answerClientError } = require('./http/module') as typeof HttpModule;
  const { headersTimeout, requestTimeout, maxConnections } = config.server;
  // Node checks these timeouts on an interval (30 s by default): once a second keeps them close to what is configured.
  const server = createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval: 1000 });
  server.maxConnections = maxConnections;
  server.on('clientError', answerClientError);
  let bound: { baseUrl: string; hostPort: string };
  try {
    bound = await listen(server, config.server.host, config.server.port);
  } catch (err) {
    await telemetry.tracing.shutdown();
    await logs.close();
    throw err;
  }
  const service = composeService(config, telemetry, { hostPort: bound.hostPort });
  const handle = service.app.callback(); // Koa settles its own promise (errors are answered by the envelope)
  server.on('request', (req, res) => void handle(req, res));
  logs.logger.info('listening', {
    event: EVENT.listening,
    url: bound.baseUrl,
    version: VERSION,
    traces: telemetry.tracing.destination,
    log_file: logs.file ?? null,
    schedule: config.schedule.interval > 0 ? `every ${config.schedule.interval} ms` : 'off',
    startup_seconds: Number(process.uptime().toFixed(3)),
  });
  return {
    url: bound.baseUrl,
    stop: (reason) => service.stop(reason, () => closeServer(server)),
    reopenLog: () => logs.reopen(),
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
