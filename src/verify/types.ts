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

/** Seconds from the run's start to `atMs`: the lag every verified verdict carries. */
export const lagSeconds = (run: SmokeRun, atMs: number) => Math.max(0, atMs - run.startedAt.getTime()) / 1000;

export const verified = (run: SmokeRun, atMs: number, backend: Backend): Finding => ({
  outcome: 'verified',
  reason: 'none',
  lagSeconds: lagSeconds(run, atMs),
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

/**
 * Reads one signal of each run back. `verify` calls `done` once if a reader decides (found, or a
 * failure waiting will not cure); the judge owns the deadline and asks `expire` for the reason a run
 * was not found in time. Callbacks rather than promises: thousands of runs can be waiting.
 */
export interface SignalVerifier {
  /** `foundAt`: what each hop had confirmed of a run before a restart (the state file). */
  verify(run: SmokeRun, done: (finding: Finding) => void, foundAt?: readonly (number | undefined)[]): void;
  expire(run: SmokeRun): Finding;
  /** When each hop confirmed a waiting run so far (for the state file); undefined when not waiting. */
  progress(run: SmokeRun): readonly (number | undefined)[] | undefined;
  /** Reads every hop once now, and resolves when the reads are done (the drain's last look). */
  readNow(): Promise<void>;
  /** Stops reading; runs still waiting are dropped without a call (the judge settles them). */
  stop(): Promise<void>;
  readonly waiting: number;
}
