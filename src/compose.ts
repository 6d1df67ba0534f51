import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
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
import { createOtlpLogs, type OtlpLogs } from './telemetry/otlpLogs';
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
  /** Replaces the configured OTLP log exporter (tests). */
  readonly logRecordExporter?: LogRecordExporter;
  /** Replaces the log file and stdout (tests). */
  readonly logTransports?: Transport[];
  /** This instance as Prometheus labels it, for the default metric selector. */
  readonly hostPort?: string;
}

export interface Telemetry {
  readonly metrics: Metrics;
  readonly tracing: Tracing;
  readonly logs: AppLogger;
  readonly otlpLogs: OtlpLogs;
  /** What the exporters said of each batch: the first hop of the trace signal, and of the log signal over OTLP. */
  readonly spanAcks: ReturnType<typeof exporterAckReader>;
  readonly logAcks: ReturnType<typeof exporterAckReader>;
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
  const spanAcks = exporterAckReader('exporter');
  const logAcks = exporterAckReader('log_exporter');
  const tracing = createTracing(
    { service: config.service.name, version: VERSION, traces: config.traces, untracedPaths: [...PROBE_PATHS, METRICS_PATH] },
    { countSpans: metrics.countSpans, onRunSpansExported: (traceIds, ack) => spanAcks.acknowledge(traceIds, ack), now, ...(options.spanExporter ? { exporter: options.spanExporter } : {}) },
  );
  const otlpLogs = createOtlpLogs(
    { service: config.service.name, version: VERSION, otlp: config.log.otlp },
    { countRecords: metrics.countLogRecords, onRecordsExported: (traceIds, ack) => logAcks.acknowledge(traceIds, ack), now, ...(options.logRecordExporter ? { exporter: options.logRecordExporter } : {}) },
  );
  try {
    const otlp = otlpLogs.transport ? { otlp: otlpLogs.transport } : {};
    const logs = createLogger({ service: config.service.name, ...config.log }, options.logTransports ? { transports: options.logTransports, ...otlp } : otlp);
    return { metrics, tracing, logs, otlpLogs, spanAcks, logAcks };
  } catch (err) {
    void tracing.shutdown();
    void otlpLogs.shutdown();
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
    spanAcks: telemetry.spanAcks,
    logAcks: telemetry.otlpLogs.transport ? telemetry.logAcks : undefined,
    render,
    hostPort: options.hostPort ?? `${config.server.host}:${config.server.port}`,
    now,
  });
  const verifiers = Object.fromEntries(
    SIGNALS.map((s) => {
      const chain = readers[s];
      // A read may look up many runs one request at a time: bounded per request, and by the verify timeout as a whole.
      return [s, chain === 'disabled' ? 'disabled' : createSignalVerifier({ readers: chain, pollMs: config.verify.pollInterval, readTimeoutMs: Math.max(1000, config.verify.timeout) })];
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
      await Promise.all([tracing.shutdown(), telemetry.otlpLogs.shutdown()]);
      const totals = await metrics.totals();
      logs.logger.info('stopped', {
        event: EVENT.stopped,
        runs_total: totals.runs,
        spans_exported: totals.spans.success,
        spans_failed: totals.spans.failure,
        spans_dropped: totals.spans.dropped,
        log_records_exported: totals.logRecords.success,
        log_records_failed: totals.logRecords.failure,
        log_records_dropped: totals.logRecords.dropped,
      });
      await logs.close();
    },
  };
}
