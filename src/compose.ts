import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type Koa from 'koa';
import type Transport from 'winston-transport';
import type { Config } from './config/schema';
import type { Lifecycle } from './http/lifecycle';
import type * as HttpModule from './http/module';
import { exporterAckReader } from './readers/exporterAck';
import { createRuns, type Runs } from './runs';
import { createSmokeRunner } from './smoke/runSmokeTest';
import { createScheduler, type Scheduler } from './smoke/scheduler';
import type { Clock } from './smoke/types';
import { createRenderer } from './telemetry/exposition';
import { createLogger, type AppLogger } from './telemetry/logger';
import { createOtlpLogs, type OtlpLogs } from './telemetry/otlpLogs';
import { createMetrics, type Metrics } from './telemetry/metrics';
import { createTracing, type Tracing } from './telemetry/tracing';
import type { Judge } from './verify/judge';
import { buildReadBack } from './readBack';
import { keepState, restoreState } from './stateKeeper';
import { VERSION } from './version';
import { EVENT, METRICS_PATH, PROBE_PATHS, SMOKE_TEST_PATH } from './vocabulary';

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
  /** A warning for the operator's terminal (stderr), besides the log. */
  readonly warn?: (line: string) => void;
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
  const metrics = createMetrics({
    processMetrics: config.metrics.processMetrics,
    now,
    settings: { intervalSeconds: config.schedule.interval / 1000, verifyTimeoutSeconds: config.verify.timeout / 1000 },
  });
  const spanAcks = exporterAckReader('exporter');
  const logAcks = exporterAckReader('log_exporter');
  const tracing = createTracing(
    {
      service: config.service.name,
      version: VERSION,
      traces: config.traces,
      untracedPaths: [...PROBE_PATHS, METRICS_PATH],
    },
    {
      countSpans: metrics.countSpans,
      onRunSpansExported: (traceIds, ack) => spanAcks.acknowledge(traceIds, ack),
      now,
      ...(options.spanExporter ? { exporter: options.spanExporter } : {}),
    },
  );
  const otlpLogs = createOtlpLogs(
    { service: config.service.name, version: VERSION, otlp: config.log.otlp },
    {
      countRecords: metrics.countLogRecords,
      onRecordsExported: (traceIds, ack) => logAcks.acknowledge(traceIds, ack),
      now,
      ...(options.logRecordExporter ? { exporter: options.logRecordExporter } : {}),
    },
  );
  try {
    const otlp = otlpLogs.transport ? { otlp: otlpLogs.transport } : {};
    const logs = createLogger(
      { service: config.service.name, ...config.log },
      options.logTransports ? { transports: options.logTransports, ...otlp } : otlp,
    );
    return { metrics, tracing, logs, otlpLogs, spanAcks, logAcks };
  } catch (err) {
    void tracing.shutdown();
    void otlpLogs.shutdown();
    throw err;
  }
}

/** How long the drain waits for the last acknowledgements and reads before it writes the state. */
const LAST_LOOK_MS = 2000;

/** Everything else, on top of the telemetry: readers, verifiers, judge, runs, schedule, app, state. */
export function composeService(config: Config, telemetry: Telemetry, options: ComposeOptions = {}): Service {
  const now = options.now ?? Date.now;
  const { metrics, tracing, logs } = telemetry;
  // Loaded only now: instrumentation patches koa and http as they are first required.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const http = require('./http/module') as typeof HttpModule;
  const render = createRenderer(metrics.registry);
  const restored = config.state.path
    ? restoreState(config.state.path, now, logs.logger, options.warn ?? (() => {}))
    : undefined;
  const { judge, signalHealth, spotChecks, logTailPosition } = buildReadBack(config, {
    metrics,
    logFile: logs.file,
    logWriteFailed: logs.writeFailed,
    spanAcks: telemetry.spanAcks,
    logAcks: telemetry.otlpLogs.transport ? telemetry.logAcks : undefined,
    render,
    hostPort: options.hostPort ?? `${config.server.host}:${config.server.port}`,
    ...(restored?.logTail ? { logTailStart: restored.logTail } : {}),
    now,
    logger: logs.logger,
  });
  const runner = createSmokeRunner({ tracer: tracing.port, log: logs.port, metrics: metrics.port, now });
  const runs = createRuns({ run: runner, judge, capacity: { other: config.ledger.size, api: config.ledger.apiSize } });
  if (restored) {
    for (const pending of restored.pending) runs.restore(judge.resume(pending));
    spotChecks.restore(restored.spotChecks);
    logs.logger.info('state restored', {
      event: EVENT.stateRestored,
      pending: restored.pending.length,
      spot_checks: restored.spotChecks.length,
    });
  }
  const state = config.state.path
    ? keepState({
        path: config.state.path,
        writeIntervalMs: config.state.writeInterval,
        maxRuns: config.state.maxRuns,
        judge,
        spotChecks,
        logTailPosition,
        logger: logs.logger,
        now,
      })
    : undefined;
  const scheduler = createScheduler({ intervalMs: config.schedule.interval, tick: () => runs.start('schedule') });
  const lifecycle = http.createLifecycle();
  const app = http.createApp({
    service: { name: config.service.name, version: VERSION },
    runs,
    signalHealth,
    scheduler,
    renderMetrics: render,
    lifecycle,
    startedAtMs: now(),
    now,
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
      // Last look before the state is written: what was exported is acknowledged, and every reader
      // reads once more. Bounded: a dead collector or a hung store must not eat the grace period.
      const lastLook = (async () => {
        // A failed export is counted already; the drain goes on.
        await Promise.all([tracing.forceFlush(), telemetry.otlpLogs.forceFlush()]).catch(() => undefined);
        await judge.readNow();
      })();
      await Promise.race([lastLook, new Promise((resolve) => setTimeout(resolve, LAST_LOOK_MS).unref())]);
      await state?.write();
      state?.stop();
      spotChecks.stop();
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
