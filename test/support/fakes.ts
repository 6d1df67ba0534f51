import type { Signal } from '../../src/smoke/constants';
import { EMITTED, skipped, type EmitStatus, type LogPort, type MetricPort, type RunRecord, type SmokePorts, type SmokeRun, type TracePort, type VerificationRecord } from '../../src/smoke/types';
import type { Finding, SignalVerifier } from '../../src/verify/types';

/** In-memory stand-ins for the three signals, so the core is tested without winston, OTel or prom-client. */
export function fakePorts(options: { sampled?: boolean; log?: () => EmitStatus; metric?: () => EmitStatus } = {}) {
  const lines: VerificationRecord[] = [];
  const runs: RunRecord[] = [];
  const spans: { traceId: string; spanId: string; trigger: string; seq: number; ended: boolean; failedSignal?: Signal }[] = [];
  let clock = 1_700_000_000_000;
  let n = 0;

  const tracer: TracePort = {
    startRunSpan(trigger, seq) {
      n += 1;
      const span: (typeof spans)[number] = { traceId: n.toString(16).padStart(32, '0'), spanId: n.toString(16).padStart(16, '0'), trigger, seq, ended: false };
      spans.push(span);
      const sampled = options.sampled ?? true;
      return {
        traceId: span.traceId,
        spanId: span.spanId,
        sampled,
        end(failedSignal) {
          span.ended = true;
          if (failedSignal) span.failedSignal = failedSignal;
          return sampled ? EMITTED : skipped('sampled_out');
        },
      };
    },
  };
  const log: LogPort = {
    writeVerification(record) {
      lines.push(record);
      return options.log ? options.log() : EMITTED;
    },
  };
  const metrics: MetricPort = {
    recordRun(run) {
      runs.push(run);
      return options.metric ? options.metric() : EMITTED;
    },
  };
  const ports: SmokePorts = {
    tracer,
    log,
    metrics,
    clock: {
      now: () => {
        clock += 2; // every reading advances 2 ms
        return clock;
      },
    },
  };
  return { ports, lines, runs, spans };
}

/** One verification as a promise, for tests that await the finding. */
export const verifyOnce = (verifier: SignalVerifier, run: SmokeRun, deadlineMs: number) =>
  new Promise<Finding>((done) => verifier.verify(run, deadlineMs, done));
