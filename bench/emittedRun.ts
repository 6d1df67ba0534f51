import { EMITTED, type SmokeRun } from '../src/smoke/types';

const SIGNALS = { log: EMITTED, trace: EMITTED, metric: EMITTED };

/**
 * A successful HTTP run as the comparison apps report it, so they answer with the daemon's own
 * response (`runResponse` in src/http/routes/smokeTest.ts) rather than a copy of its shape.
 */
export function emittedRun(traceId: string, spanId: string, seq: number): SmokeRun {
  const startedAt = new Date();
  return {
    pipeline: 'default',
    id: traceId,
    traceId,
    spanId,
    seq,
    trigger: 'http',
    startedAt,
    timestamp: startedAt.toISOString(),
    durationSeconds: 0,
    outcome: 'success',
    signals: SIGNALS,
  };
}
