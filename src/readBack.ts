import type winston from 'winston';
import type { Config } from './config/schema';
import { chooseReaders } from './readers/select';
import type { Reader } from './readers/types';
import type { Clock } from './smoke/types';
import type { State } from './stateFile';
import type { Render } from './telemetry/exposition';
import type { Metrics } from './telemetry/metrics';
import { createJudge, type Judge, type Verifiers } from './verify/judge';
import { createSignalHealth, type SignalHealth } from './verify/signalHealth';
import { createSignalVerifier } from './verify/signalVerifier';
import { ageBuckets, createSpotChecks, type SpotChecks } from './verify/spotChecks';
import { createSpotSink, createVerdictSink } from './verify/verdicts';
import { SIGNALS, type Signal } from './vocabulary';

export interface ReadBack {
  readonly judge: Judge;
  readonly signalHealth: SignalHealth;
  readonly spotChecks: SpotChecks;
  readonly logTailPosition: () => State['logTail'];
}

/** The read-back, built from config: readers per signal, a verifier per signal, the judge, the spot checks. */
export function buildReadBack(
  config: Config,
  o: {
    metrics: Metrics;
    logFile: string | undefined;
    logWriteFailed: () => boolean;
    /** The exporters' acknowledgements (the log one only when OTLP logs are on). */
    spanAcks: Reader;
    logAcks: Reader | undefined;
    render: Render;
    hostPort: string;
    logTailStart?: State['logTail'];
    now: Clock;
    logger: winston.Logger;
  },
): ReadBack {
  const { metrics } = o;
  const { chains, logTailPosition } = chooseReaders(config.verify, {
    logFile: o.logFile,
    logWriteFailed: o.logWriteFailed,
    spanAcks: o.spanAcks,
    logAcks: o.logAcks,
    render: o.render,
    hostPort: o.hostPort,
    ...(o.logTailStart ? { logTailStart: o.logTailStart } : {}),
    now: o.now,
  });
  const verifiers = Object.fromEntries(
    SIGNALS.map((s) => {
      const chain = chains[s];
      // A read may look up many runs one request at a time: bounded per request, and by the verify timeout as a whole.
      return [
        s,
        chain === 'disabled'
          ? 'disabled'
          : createSignalVerifier({
              readers: chain,
              pollMs: config.verify.pollInterval,
              readTimeoutMs: Math.max(1000, config.verify.timeout),
            }),
      ];
    }),
  ) as unknown as Verifiers;
  const signalHealth = createSignalHealth({
    staleAfterMs: config.verify.health.staleAfterIntervals * config.schedule.interval,
    failAfterRuns: config.verify.health.failAfterRuns,
    now: o.now,
    startedMs: o.now(),
  });
  const { spotInterval, horizon, recheckInterval } = config.retention;
  const spotChecks = createSpotChecks({
    readers: Object.fromEntries(SIGNALS.map((s) => [s, chains[s] === 'disabled' ? [] : chains[s]])) as Record<
      Signal,
      readonly Reader[]
    >,
    spotIntervalMs: spotInterval,
    horizonMs: horizon,
    recheckIntervalMs: recheckInterval,
    now: o.now,
    onResult: createSpotSink({ metrics, logger: o.logger }),
  });
  metrics.initStreaks((signal) => signalHealth.streak(signal));
  if (spotInterval > 0)
    metrics.initSpotChecks(
      ageBuckets(spotInterval, horizon).map((b) => b.label),
      () => spotChecks.kept.length,
    );
  const judge = createJudge({
    verifiers,
    timeoutMs: config.verify.timeout,
    capacity: { other: config.verify.maxPending, api: config.verify.maxPendingApi },
    now: o.now,
    onVerdict: createVerdictSink({ metrics, health: signalHealth, logger: o.logger }),
    onSettled: (report) => spotChecks.offer(report),
  });
  return { judge, signalHealth, spotChecks, logTailPosition };
}
