import type { Signal, Trigger } from './constants';

/** Why a signal was not emitted. A small fixed set: these become metric label values. */
export const EMIT_REASONS = ['write_failed', 'dropped', 'sampled_out', 'disabled', 'emit_failed'] as const;
export type EmitReason = (typeof EMIT_REASONS)[number];

export type EmitStatus =
  | { readonly status: 'emitted' }
  /** Deliberately not emitted (sampled out, exporter "none"): not a failure. */
  | { readonly status: 'skipped'; readonly reason: EmitReason }
  | { readonly status: 'error'; readonly reason: EmitReason };

export const EMITTED: EmitStatus = Object.freeze({ status: 'emitted' });
export const skipped = (reason: EmitReason): EmitStatus => ({ status: 'skipped', reason });
export const failed = (reason: EmitReason): EmitStatus => ({ status: 'error', reason });

export type RunOutcome = 'success' | 'failure';

export interface SmokeRun {
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
}

/** What the log line carries besides the fixed message. */
export interface VerificationRecord {
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

/** A span's ids as OpenMetrics exemplar labels: a metric point links to its trace. */
export interface Exemplar {
  readonly trace_id: string;
  readonly span_id: string;
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

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface SmokePorts {
  readonly tracer: TracePort;
  readonly log: LogPort;
  readonly metrics: MetricPort;
  readonly clock: Clock;
}
