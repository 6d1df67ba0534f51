import type winston from 'winston';
import type { SmokeRun } from '../smoke/types';
import { sanitize } from '../text';
import { EVENT, exemplarOf, type Exemplar, type Signal, type SpotOutcome } from '../vocabulary';
import type { SignalHealth } from './signalHealth';
import type { SpotResult } from './spotChecks';
import type { Verdict } from './types';

export interface VerdictSinkOptions {
  pipeline: string;
  record: (verdict: Verdict, exemplar?: Exemplar) => void;
  health: SignalHealth;
  logger: winston.Logger;
}

/** What happens on each verdict: counted, fed to /healthz, and a failure written as a warning line. */
export function createVerdictSink(options: VerdictSinkOptions) {
  return function onVerdict(verdict: Verdict, run: SmokeRun): void {
    // Only a verified verdict's lag carries the exemplar, and only when the trace was exported.
    const linked = verdict.outcome === 'verified' && run.signals.trace.status === 'emitted';
    options.record(verdict, linked ? exemplarOf(run) : undefined);
    options.health.observe(verdict);
    if (verdict.outcome !== 'missing' && verdict.outcome !== 'error') return;
    options.logger.warn('signal not verified', {
      event: EVENT.verificationFailed,
      pipeline: options.pipeline,
      run_id: run.id,
      trace_id: run.traceId,
      seq: run.seq,
      signal: verdict.signal,
      outcome: verdict.outcome,
      reason: verdict.reason,
      ...(verdict.backend ? { backend: verdict.backend } : {}),
      ...(verdict.detail ? { detail: verdict.detail } : {}),
    });
  };
}

export interface SpotSinkOptions {
  pipeline: string;
  record: (signal: Signal, outcome: SpotOutcome, age: string) => void;
  logger: winston.Logger;
}

/** What happens on each spot check: counted by age, and a loss written as a warning line. */
export function createSpotSink(options: SpotSinkOptions) {
  return function onSpotCheck(r: SpotResult): void {
    options.record(r.signal, r.outcome, r.age);
    if (r.outcome === 'found') return;
    const lost = r.outcome === 'lost_after_ingest';
    options.logger.warn(lost ? 'signal lost after it was verified' : 'spot check could not read back', {
      event: lost ? EVENT.lostAfterIngest : EVENT.verificationFailed,
      pipeline: options.pipeline,
      run_id: r.run.id,
      trace_id: r.run.traceId,
      signal: r.signal,
      backend: r.backend,
      age: r.age,
      outcome: r.outcome,
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.detail ? { detail: sanitize(r.detail) } : {}),
    });
  };
}
