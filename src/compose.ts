import { hrtime } from 'node:process';
import type Koa from 'koa';
import { counterIntervalMs } from './config/pipelines';
import type { Config } from './config/schema';
import type * as HttpModule from './http/module';
import type { Lifecycle } from './http/module';
import { wireReadBack, type ReadBack } from './readBack';
import { createScrapeWatch } from './readers/scrapes';
import { createRuns, type Runs } from './runs';
import { createSmokeRunner } from './smoke/runSmokeTest';
import { createScheduler, type Scheduler } from './smoke/scheduler';
import type { Clock, MonoClock } from './smoke/types';
import { keepState, restoreState } from './stateKeeper';
import type { Telemetry, TelemetryOptions } from './telemetry/compose';
import { createRenderer } from './telemetry/exposition';
import { createSpotCheckMetrics } from './telemetry/metrics/spotChecks';
import { createVerdictMetrics } from './telemetry/metrics/verdicts';
import { VERSION } from './version';
import { EVENT } from './vocabulary';

export { createTelemetry, type Telemetry } from './telemetry/compose';

/**
 * The composition root: builds the whole daemon from a Config. It holds no business logic; each
 * part is made by its own factory and handed only what it needs.
 */

export interface ComposeOptions extends TelemetryOptions {
  readonly now?: Clock;
  readonly mono?: MonoClock;
  /** A warning for the operator's terminal (stderr), besides the log. */
  readonly warn?: (line: string) => void;
}

/** One pipeline, running: its schedule and its read-back. */
export interface ServicePipeline extends ReadBack {
  readonly name: string;
  readonly scheduler: Scheduler;
}

export interface Service {
  readonly app: Koa;
  /** The probes and /metrics alone, for a listener of their own (server.probes). */
  readonly probesApp: Koa;
  readonly lifecycle: Lifecycle;
  readonly runs: Runs;
  readonly pipelines: readonly ServicePipeline[];
  readonly telemetry: Telemetry;
  /** Resumes what an earlier process left in the state file (when one is kept). */
  restore(): Promise<void>;
  /** Readiness fails, the schedules and the read-back stop; then `closeServer` (in-flight requests
   * finish), spans are flushed, the final tally is logged and the log is closed. */
  stop(reason: string, closeServer?: () => Promise<void>): Promise<void>;
}

const monotonic: MonoClock = () => Number(hrtime.bigint() / 1000n) / 1000;

/** How long the drain waits for the last acknowledgements and reads before it writes the state. */
const LAST_LOOK_MS = 2000;

/** Everything else, on top of the telemetry: the pipelines' runs and read-back, the app, the state. */
export function composeService(config: Config, telemetry: Telemetry, options: ComposeOptions = {}): Service {
  const now = options.now ?? Date.now;
  const mono = options.mono ?? monotonic;
  const warn = options.warn ?? (() => {});
  const { logs, processId } = telemetry;
  // Loaded only now: instrumentation patches koa and http as they are first required.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const http = require('./http/module') as typeof HttpModule;
  const render = createRenderer(telemetry.registry);
  const scrapes = createScrapeWatch(now);
  const metrics = {
    verdicts: createVerdictMetrics(
      telemetry.registry,
      [...new Set(telemetry.pipelines.map((p) => counterIntervalMs(p.config) / 1000))],
      now,
      telemetry.series,
    ),
    spotChecks: createSpotCheckMetrics(telemetry.registry, telemetry.series),
  };
  const pipelines = telemetry.pipelines.map(
    ({
      config: p,
      tracing,
      otlpLogs,
      otlpMetrics,
    }): ServicePipeline & { run: ReturnType<typeof createSmokeRunner> } => {
      const readBack = wireReadBack({
        pipeline: p,
        processId,
        spans: tracing.processor ? tracing : undefined,
        logRecords: otlpLogs.transport ? otlpLogs : undefined,
        logFile: logs.file,
        logWriteFailed: logs.writeFailed,
        render,
        scrapes,
        pushes: otlpMetrics.pushes,
        now,
        mono,
        logger: logs.logger,
        metrics,
      });
      const run = createSmokeRunner({
        pipeline: p.name,
        tracer: tracing.port,
        log: logs.port,
        metrics: telemetry.runMetrics.port(p.name, (r) => otlpMetrics.recordRun(r)),
        now,
      });
      return {
        name: p.name,
        run,
        ...readBack,
        scheduler: createScheduler({
          intervalMs: p.schedule.interval,
          tick: () => runs.start('schedule', { pipeline: p.name }),
        }),
      };
    },
  );
  const runs = createRuns({
    pipelines: new Map(pipelines.map((p) => [p.name, p])),
    capacity: { other: config.ledger.size, api: config.ledger.apiSize },
  });
  const state = config.state.path
    ? keepState({
        path: config.state.path,
        writeIntervalMs: config.state.writeInterval,
        service: config.service.name,
        processId,
        pipelines: () =>
          pipelines.map((p) => ({
            pipeline: p.name,
            asked: p.asked,
            ...(p.logTailPosition() ? { logTail: p.logTailPosition()! } : {}),
            pending: p.judge.snapshot(config.state.maxRuns),
            spotChecks: p.spotChecks.kept,
          })),
        logger: logs.logger,
        now,
      })
    : undefined;
  const lifecycle = http.createLifecycle();
  const { app, probesApp } = http.createApps({
    service: { name: config.service.name, version: VERSION },
    runs,
    pipelines,
    registry: telemetry.registry,
    series: telemetry.series,
    renderMetrics: render,
    scrapes,
    lifecycle,
    startedAtMs: now(),
    now,
    logger: logs.logger,
    currentExemplar: telemetry.requestSpans?.currentExemplar ?? (() => undefined),
    overload: {
      logBacklog: logs.backlog,
      maxLogBacklog: config.log.maxBacklog,
      spanBacklog: (pipeline) =>
        telemetry.pipelines.find((p) => p.config.name === pipeline)?.tracing.processor?.queueShare() ?? 0,
    },
    legacy: config.legacyRoutes,
    probe: config.probe,
    access: config,
  });

  /** Resumes what an earlier process left, then keeps the state from now on. */
  async function restore(): Promise<void> {
    if (!state) return;
    const expected = new Map(
      pipelines.map((p) => [
        p.name,
        { asked: p.asked, rooms: { other: p.judge.capacity.other, api: p.judge.capacity.api } },
      ]),
    );
    const restored = await restoreState(
      config.state.path,
      { service: config.service.name, pipelines: expected },
      { now, logger: logs.logger, warn },
    );
    for (const p of pipelines) {
      const saved = restored?.get(p.name);
      if (!saved) continue;
      if (saved.logTail) p.resumeLogTail(saved.logTail);
      let resumed = 0;
      for (const pending of saved.pending) {
        const report = p.judge.resume(pending);
        if (!report) continue;
        runs.restore(report);
        resumed += 1;
      }
      p.spotChecks.restore(saved.spotChecks);
      logs.logger.info('state restored', {
        event: EVENT.stateRestored,
        pipeline: p.name,
        pending: resumed,
        spot_checks: saved.spotChecks.length,
        dropped: saved.dropped + saved.pending.length - resumed,
      });
    }
    state.start();
  }
  let restoring: Promise<void> | undefined;

  return {
    app,
    probesApp,
    lifecycle,
    runs,
    pipelines,
    telemetry,
    restore: () => (restoring ??= restore()),
    async stop(reason, closeServer) {
      lifecycle.startDraining();
      logs.logger.info('shutting down', { event: EVENT.shutdownStarted, reason });
      for (const p of pipelines) p.scheduler.stop();
      // Last look before the state is written: what was exported is acknowledged, and every reader
      // reads once more. Bounded: a dead collector or a hung store must not eat the grace period.
      const lastLook = (async () => {
        // A failed export is counted already; the drain goes on.
        await telemetry.forceFlush().catch(() => undefined);
        await Promise.all(pipelines.map((p) => p.judge.readNow()));
      })();
      await Promise.race([lastLook, new Promise((resolve) => setTimeout(resolve, LAST_LOOK_MS).unref())]);
      await restoring?.catch(() => undefined); // a write before the restore ends would replace what it restores
      await state?.write();
      state?.stop();
      for (const p of pipelines) p.spotChecks.stop();
      await Promise.all(pipelines.map((p) => p.judge.stop()));
      await closeServer?.();
      await telemetry.shutdownExporters();
      const exports = await telemetry.exportMetrics.totals();
      logs.logger.info('stopped', {
        event: EVENT.stopped,
        runs_total: await telemetry.runMetrics.total(),
        spans_exported: exports.spans.success,
        spans_failed: exports.spans.failure,
        spans_dropped: exports.spans.dropped,
        log_records_exported: exports.logRecords.success,
        log_records_failed: exports.logRecords.failure,
        log_records_dropped: exports.logRecords.dropped,
      });
      await logs.close();
    },
  };
}
