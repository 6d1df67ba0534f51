import type { Signal } from '../../src/vocabulary';
import {
  EMITTED,
  skipped,
  type EmitStatus,
  type LogPort,
  type MetricPort,
  type RunRecord,
  type SmokePorts,
  type SmokeRun,
  type TracePort,
  type VerificationRecord,
} from '../../src/smoke/types';
import type { Failure, PolledReader, StreamReader, Waiting } from '../../src/readers/types';

/** In-memory stand-ins for the three signals, so the core is tested without winston, OTel or prom-client. */
export function fakePorts(
  options: { sampled?: boolean; log?: () => EmitStatus; metric?: () => EmitStatus; pipeline?: string } = {},
) {
  const lines: VerificationRecord[] = [];
  const runs: RunRecord[] = [];
  const spans: {
    traceId: string;
    spanId: string;
    trigger: string;
    seq: number;
    ended: boolean;
    failedSignal?: Signal;
  }[] = [];
  let clock = Date.now();
  let n = 0;

  const tracer: TracePort = {
    startRunSpan(trigger, seq) {
      n += 1;
      const span: (typeof spans)[number] = {
        traceId: n.toString(16).padStart(32, '0'),
        spanId: n.toString(16).padStart(16, '0'),
        trigger,
        seq,
        ended: false,
      };
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
    pipeline: options.pipeline ?? 'default',
    tracer,
    log,
    metrics,
    now: () => {
      clock += 2; // every reading advances 2 ms
      return clock;
    },
  };
  return { ports, lines, runs, spans };
}

/** The runs a reader is asked about, as the verifier hands them over. */
export function waitingOf(runs: readonly SmokeRun[]): Waiting {
  const byTrace = new Map(runs.map((r) => [r.traceId, r]));
  return { size: byTrace.size, get: (traceId) => byTrace.get(traceId), runs: () => byTrace.values() };
}

/** What a reader reported of one run: found, or a failure. */
export type Hit = 'found' | Failure;

/** One read by `reader` over `runs`: what it reported, by run id. */
export async function readOnce(
  reader: PolledReader | StreamReader,
  runs: readonly SmokeRun[],
  signal = AbortSignal.timeout(5000),
): Promise<Map<string, Hit>> {
  const hits = new Map<string, Hit>();
  await reader.read(waitingOf(runs), (run, failure) => hits.set(run.id, failure ?? 'found'), signal);
  return hits;
}
