import type { SmokeRun } from '../smoke/types';
import { sanitize } from '../text';
import type { Backend, Signal, VerifyOutcome, VerifyReason } from '../vocabulary';

export interface Verdict {
  readonly signal: Signal;
  readonly outcome: VerifyOutcome;
  readonly reason: VerifyReason;
  /** Seconds from the run's start to the confirmation (verified only). */
  readonly lagSeconds?: number;
  readonly at: Date;
  /** The reader the verdict came from; absent when no reader was asked (not emitted, disabled). */
  readonly backend?: Backend;
  /** Operator-facing detail (an export error, say): bounded, printable; never a metric label. */
  readonly detail?: string;
}

export type Finding = Omit<Verdict, 'signal' | 'at'>;

/** Verified `lagSeconds` after the run, on the monotonic clock (never below 0). */
export const verified = (lagSeconds: number, backend: Backend): Finding => ({
  outcome: 'verified',
  reason: 'none',
  lagSeconds: Math.max(0, lagSeconds),
  backend,
});

// A detail comes from elsewhere (a backend's answer, an exporter's error): made printable and bounded here, once.
export const missing = (reason: VerifyReason, backend?: Backend, detail?: string): Finding => ({
  outcome: 'missing',
  reason,
  ...(backend ? { backend } : {}),
  ...(detail ? { detail: sanitize(detail) } : {}),
});

export const errored = (reason: VerifyReason, backend?: Backend, detail?: string): Finding => ({
  outcome: 'error',
  reason,
  ...(backend ? { backend } : {}),
  ...(detail ? { detail: sanitize(detail) } : {}),
});

/** What a verifier keeps of a run it reads back: the run, and when it started on the monotonic clock. */
export interface Awaited {
  readonly run: SmokeRun;
  readonly startMono: number;
}

/**
 * Reads one signal of each run back. `verify` leads to one `onFinding` (given at construction) if a
 * reader decides (found, or a failure waiting will not cure); the judge owns the deadline and asks
 * `expire` for the reason a run was not found in time. No callback or promise per run: thousands of
 * runs can be waiting.
 */
export interface SignalVerifier<T extends Awaited = Awaited> {
  /** `confirmed`: which hops had found the run before a restart (the state file). */
  verify(awaited: T, confirmed?: readonly boolean[]): void;
  expire(run: SmokeRun): Finding;
  /** Which hops have found a waiting run so far (for the state file); undefined when not waiting. */
  progress(run: SmokeRun): readonly boolean[] | undefined;
  /** Reads every hop once now, and resolves when the reads are done (the drain's last look). */
  readNow(): Promise<void>;
  /** Stops reading; runs still waiting are dropped without a call (the judge settles them). */
  stop(): Promise<void>;
  readonly waiting: number;
}
