import type { EmitReason, Exemplar, RunOutcome, Signal, Trigger } from '../vocabulary';

export type EmitStatus =
  | { readonly status: 'emitted' }
  /** Deliberately not emitted (sampled out, exporter "none"): not a failure. */
  | { readonly status: 'skipped'; readonly reason: EmitReason }
  | { readonly status: 'error'; readonly reason: EmitReason };

export const EMITTED: EmitStatus = Object.freeze({ status: 'emitted' });
export const skipped = (reason: EmitReason): EmitStatus => ({ status: 'skipped', reason });
export const failed = (reason: EmitReason): EmitStatus => ({ status: 'error', reason });

/** Milliseconds since the epoch: shown and stored, never waited on (a clock step would move it). */
export type Clock = () => number;

/** Milliseconds on a monotonic clock (performance.now()): every wait, deadline and measured lag. */
export type MonoClock = () => number;

export interface SmokeRun {
  /** The pipeline the run proves: where its signals go and where they are read back. */
  readonly pipeline: string;
  /** The trace id, unless the caller named the run: one id finds the log line, the span and the exemplar. */
  readonly id: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly seq: number;
  readonly trigger: Trigger;
  readonly startedAt: Date;
  /** `startedAt` in ISO-8601 (UTC), formatted once: the log line and the response both carry it. */
  readonly timestamp: string;
  readonly durationSeconds: number;
  readonly outcome: RunOutcome;
  readonly signals: Readonly<Record<Signal, EmitStatus>>;
  /** Set on a run made by an earlier process of this daemon, restored from the state file at this
   * time: its seq counts in that process's counter, not this one's. */
  readonly restoredAtMs?: number;
  /** The id of the process that made a restored run (its counter's process_id label). */
  readonly process?: string;
}

/** What the log line carries besides the fixed message. */
export interface VerificationRecord {
  readonly pipeline: string;
  readonly runId: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly seq: number;
  readonly trigger: Trigger;
  readonly timestamp: string;
}

// Ports: the core sees only these; telemetry/* provide the real ones, tests provide fakes.

export interface RunSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
  /** Ends the span; reports whether it was handed to an exporter. */
  end(failedSignal?: Signal): EmitStatus;
}

export interface TracePort {
  /** The span records `runId`, or its own trace id when the run is not caller-named. */
  startRunSpan(trigger: Trigger, seq: number, runId?: string): RunSpan;
}

export interface LogPort {
  writeVerification(record: VerificationRecord): EmitStatus;
}

export interface RunRecord {
  readonly trigger: Trigger;
  readonly outcome: RunOutcome;
  readonly durationSeconds: number;
  /** Present only when the span is sampled, so an exemplar never points at a missing trace. */
  readonly exemplar?: Exemplar;
}

export interface MetricPort {
  recordRun(run: RunRecord): EmitStatus;
}

export interface SmokePorts {
  readonly pipeline: string;
  readonly tracer: TracePort;
  readonly log: LogPort;
  readonly metrics: MetricPort;
  readonly now: Clock;
}
