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
