import type winston from 'winston';
import { counterIntervalMs, type PipelineConfig } from './config/pipelines';
import { exporterAckReader } from './readers/exporterAck';
import { fileLogReader } from './readers/logFile';
import type * as Loki from './readers/loki';
import { ownMetricsReader } from './readers/ownMetrics';
import type * as Prometheus from './readers/prometheus';
import type * as TraceById from './readers/traceById';
import type { Pushes, Reader, Refusals, Store } from './readers/types';
import type { Clock, MonoClock } from './smoke/types';
import type { LogTail } from './stateFile';
import type { ExportListener } from './telemetry/exportAccounting';
import type { Render } from './telemetry/exposition';
import type { createSpotCheckMetrics } from './telemetry/metrics/spotChecks';
import type { createVerdictMetrics } from './telemetry/metrics/verdicts';
import { createJudge, type Chains, type Judge } from './verify/judge';
import { createSignalHealth, type SignalHealth } from './verify/signalHealth';
import { ageBuckets, createSpotChecks, recheckers, type SpotChecks } from './verify/spotChecks';
import { createSpotSink, createVerdictSink } from './verify/verdicts';
import { SIGNALS, type Signal } from './vocabulary';

/**
 * The stores a signal can be read back from, after its first hops (the file, the exporters'
 * acknowledgements), in chain order, each with the URL that turns it on. A store's module (and the
 * HTTP client under it) is loaded only when a pipeline names its URL. Adding a backend: see
 * docs/architecture.md ("Where to add").
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const STORES: readonly { readonly url: (verify: PipelineConfig['verify']) => string; readonly load: () => Store }[] = [
  { url: (v) => v.log.loki.url, load: () => (require('./readers/loki') as typeof Loki).lokiStore },
  { url: (v) => v.traces.tempo.url, load: () => (require('./readers/traceById') as typeof TraceById).tempoStore },
  { url: (v) => v.traces.jaeger.url, load: () => (require('./readers/traceById') as typeof TraceById).jaegerStore },
  { url: (v) => v.traces.queryUrl, load: () => (require('./readers/traceById') as typeof TraceById).traceApiStore },
  {
    url: (v) => v.metrics.prometheusUrl,
    load: () => (require('./readers/prometheus') as typeof Prometheus).prometheusStore,
  },
];
/* eslint-enable @typescript-eslint/no-require-imports */

/** Where a pipeline's spans and log records went: each exporter's answers, heard as they come. */
export interface Exported {
  readonly destination: string;
  onExported(listener: ExportListener): void;
}

export interface ReadBackSources {
  readonly pipeline: PipelineConfig;
  readonly processId: string;
  readonly spans: Exported | undefined;
  /** Undefined when OTLP logs are off for the pipeline. */
  readonly logRecords: Exported | undefined;
  /** The log file the lines go to; undefined when logging to stdout only (nothing to read back). */
  readonly logFile: string | undefined;
  readonly logWriteFailed: () => boolean;
  /** The daemon's own exposition, and how its scrapes went. */
  readonly render: Render;
  readonly scrapes: Refusals;
  /** How the pipeline's pushes of the run counter went. */
  readonly pushes: Pushes;
  readonly now: Clock;
  readonly mono: MonoClock;
  readonly logger: winston.Logger;
  readonly metrics: {
    readonly verdicts: ReturnType<typeof createVerdictMetrics>;
    readonly spotChecks: ReturnType<typeof createSpotCheckMetrics>;
  };
}

export interface ReadBack {
  readonly judge: Judge;
  readonly signalHealth: SignalHealth;
  readonly spotChecks: SpotChecks;
  readonly logTailPosition: () => LogTail | undefined;
  /** Before the first read: continue the log tail where an earlier process stopped (the state file). */
  resumeLogTail(at: LogTail): void;
  /** Per signal, what each hop asks, in order: the start-up line, and what the state file is written under. */
  readonly asked: Readonly<Record<Signal, readonly string[]>>;
}

/** One pipeline's read-back, wired in this one place: its readers per signal, the judge, the spot checks. */
export function wireReadBack(s: ReadBackSources): ReadBack {
  const { verify, name: pipeline } = s.pipeline;
  const ctx = { pipeline, processId: s.processId, now: s.now, scrapes: s.scrapes, pushes: s.pushes };
  const configured = STORES.filter((store) => store.url(verify) !== '').map((store) => store.load());
  const stores = (signal: Signal) =>
    configured.filter((store) => store.signal === signal).flatMap((store) => store.readers(verify, ctx));
  const acks = (backend: 'exporter' | 'log_exporter', exported: Exported | undefined) => {
    if (!exported) return undefined;
    const reader = exporterAckReader(backend, exported.destination);
    exported.onExported((traceIds, ack) => reader.acknowledge(traceIds, ack));
    return reader;
  };

  const file =
    verify.log.enabled && s.logFile !== undefined
      ? fileLogReader({ file: s.logFile, writeFailed: s.logWriteFailed })
      : undefined;
  const chain = (enabled: boolean, readers: readonly (Reader | undefined)[]) => {
    const present = readers.filter((r): r is Reader => r !== undefined);
    return enabled && present.length > 0 ? present : 'disabled';
  };
  const metricStores = stores('metric');
  const chains: Chains = {
    log: chain(verify.log.enabled, [acks('log_exporter', s.logRecords), file, ...stores('log')]),
    trace: chain(verify.traces.enabled, [acks('exporter', s.spans), ...stores('trace')]),
    metric: chain(
      verify.metrics.enabled,
      metricStores.length > 0 ? metricStores : [ownMetricsReader({ render: s.render, pipeline })],
    ),
  };

  const signalHealth = createSignalHealth({
    staleAfterMs: verify.health.staleAfterIntervals * s.pipeline.schedule.interval,
    failAfterRuns: verify.health.failAfterRuns,
    mono: s.mono,
  });
  const { spotInterval, horizon, recheckInterval } = s.pipeline.retention;
  const readers = Object.fromEntries(
    SIGNALS.map((signal) => [signal, chains[signal] === 'disabled' ? [] : chains[signal]]),
  ) as Record<Signal, readonly Reader[]>;
  const spotChecks = createSpotChecks({
    readers,
    spotIntervalMs: spotInterval,
    horizonMs: horizon,
    recheckIntervalMs: recheckInterval,
    now: s.now,
    onResult: createSpotSink({
      pipeline,
      record: s.metrics.spotChecks.forPipeline(
        pipeline,
        [...new Set(recheckers(readers).map((r) => r.signal))],
        spotInterval > 0 ? ageBuckets(spotInterval, horizon).map((b) => b.label) : [],
        () => spotChecks.kept.length,
      ),
      logger: s.logger,
    }),
  });
  const record = s.metrics.verdicts.forPipeline(
    pipeline,
    {
      intervalSeconds: s.pipeline.schedule.interval / 1000,
      verifyTimeoutSeconds: verify.timeout / 1000,
      scrapeIntervalSeconds: counterIntervalMs(s.pipeline) / 1000,
    },
    (signal) => signalHealth.streak(signal),
  );
  const judge = createJudge({
    chains,
    timeoutMs: verify.timeout,
    pollMs: verify.pollInterval,
    capacity: { other: verify.maxPending, api: verify.maxPendingApi },
    now: s.now,
    mono: s.mono,
    onVerdict: createVerdictSink({ pipeline, record, health: signalHealth, logger: s.logger }),
    onSettled: (report) => spotChecks.offer(report),
  });
  const asked = Object.fromEntries(
    SIGNALS.map((signal) => [
      signal,
      chains[signal] === 'disabled' ? [] : (chains[signal] as readonly Reader[]).map((r) => `${r.backend}: ${r.asked}`),
    ]),
  ) as Record<Signal, string[]>;
  return {
    judge,
    signalHealth,
    spotChecks,
    logTailPosition: () => file?.position(),
    resumeLogTail: (at) => file?.resumeAt(at),
    asked,
  };
}
