import { exemplarOf, type Signal, type Trigger } from '../vocabulary';
import { failed, type EmitStatus, type SmokePorts, type SmokeRun } from './types';

/** `id` names the run (a deploy sha, say); by default the run id is the trace id. */
export type SmokeRunner = (trigger: Trigger, options?: { id?: string }) => SmokeRun;

/**
 * One smoke run: a span, a log line and a counter increment under one id.
 * Never throws because a signal failed; the run reports which one and why.
 */
export function createSmokeRunner(ports: SmokePorts): SmokeRunner {
  let seq = 0;
  return function runSmokeTest(trigger, options = {}) {
    seq += 1;
    const startedMs = ports.now();
    const span = ports.tracer.startRunSpan(trigger, seq, options.id);
    const runId = options.id ?? span.traceId;

    const startedAt = new Date(startedMs);
    const timestamp = startedAt.toISOString();
    // Spelled out: on Node 20, properties added after a spread give every object a map of its
    // own, which turns each reader of the record megamorphic (bench/README.md).
    const { pipeline } = ports;
    const record = { pipeline, runId, traceId: span.traceId, spanId: span.spanId, seq, trigger, timestamp };
    const log = guard(() => ports.log.writeVerification(record));
    const trace = guard(() => span.end(log.status === 'error' ? 'log' : undefined));
    const emitted = log.status !== 'error' && trace.status !== 'error';
    const durationSeconds = (ports.now() - startedMs) / 1000;
    const metric = guard(() =>
      ports.metrics.recordRun({
        trigger,
        outcome: emitted ? 'success' : 'failure',
        durationSeconds,
        ...(span.sampled ? { exemplar: exemplarOf(span) } : {}),
      }),
    );

    const signals: Record<Signal, EmitStatus> = { log, trace, metric };
    return {
      pipeline,
      id: runId,
      traceId: span.traceId,
      spanId: span.spanId,
      seq,
      trigger,
      startedAt,
      timestamp,
      durationSeconds,
      outcome: emitted && metric.status !== 'error' ? 'success' : 'failure',
      signals,
    };
  };
}

/** A port that throws is a failed signal, not a failed run. */
function guard(emit: () => EmitStatus): EmitStatus {
  try {
    return emit();
  } catch {
    return failed('emit_failed');
  }
}
