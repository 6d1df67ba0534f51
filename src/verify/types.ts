import type { Signal } from '../smoke/constants';
import type { SmokeRun } from '../smoke/types';

export const VERIFY_OUTCOMES = ['verified', 'missing', 'error', 'skipped'] as const;
export type VerifyOutcome = (typeof VERIFY_OUTCOMES)[number];

/** Every (outcome, reason) pair a verdict can have: a small fixed set, so they can be metric labels. */
export const VERDICT_KINDS = [
  ['verified', 'none'],
  ['missing', 'not_found'],
  ['missing', 'timeout'],
  ['error', 'query_failed'],
  ['error', 'export_failed'],
  ['error', 'dropped'],
  ['error', 'write_failed'],
  ['error', 'emit_failed'],
  ['skipped', 'sampled_out'],
  ['skipped', 'disabled'],
  ['skipped', 'over_capacity'],
] as const;
export type VerifyReason = (typeof VERDICT_KINDS)[number][1];

export interface Verdict {
  readonly signal: Signal;
  readonly outcome: VerifyOutcome;
  readonly reason: VerifyReason;
  /** Seconds from the run's start to the confirmation (verified only). */
  readonly lagSeconds?: number;
  readonly at: Date;
  /** Operator-facing detail (an export error, say); never a metric label. */
  readonly detail?: string;
}

export type Finding = Omit<Verdict, 'signal' | 'at'>;

/**
 * Reads one signal back from where it should have arrived and calls `done` once, by `deadlineMs`.
 * A callback rather than a promise: each run awaiting verification is kept small (bench/README.md).
 */
export interface SignalVerifier {
  verify(run: SmokeRun, deadlineMs: number, done: (finding: Finding) => void): void;
  /** Settles every pending verification at once (shutdown). */
  stop(): void;
  /** Resolves when the verifier is in place (the log tail positioned, say). */
  readonly ready?: Promise<void>;
}

export const verified = (lagSeconds: number): Finding => ({ outcome: 'verified', reason: 'none', lagSeconds });
export const missing = (reason: 'not_found' | 'timeout', detail?: string): Finding => ({ outcome: 'missing', reason, ...(detail ? { detail } : {}) });
export const errored = (reason: Extract<VerifyReason, 'query_failed' | 'export_failed' | 'dropped' | 'write_failed' | 'emit_failed'>, detail?: string): Finding => ({
  outcome: 'error',
  reason,
  ...(detail ? { detail } : {}),
});

export type Clock = () => number;
