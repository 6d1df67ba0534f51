import type { MonoClock } from '../smoke/types';
import { SIGNALS, type HealthStatus, type Signal, type VerifyReason } from '../vocabulary';
import type { Verdict } from './types';

export interface SignalCheck {
  readonly status: HealthStatus;
  /** Seconds since the last verified read-back. */
  readonly observedValue?: number;
  readonly time?: string;
  readonly output?: string;
}

/** Failed read-backs in a row, and the reason that began the streak ("none" while not failing). */
export interface Streak {
  readonly count: number;
  readonly reason: VerifyReason;
}

export interface SignalHealthOptions {
  staleAfterMs: number;
  failAfterRuns: number;
  mono: MonoClock;
}

/**
 * Per-signal verification health for /healthz and the failure-streak metric: warn when the last verification is older than
 * `staleAfterMs` (0: never stale), fail when `failAfterRuns` runs in a row failed the signal.
 */
export function createSignalHealth(options: SignalHealthOptions) {
  const startedMono = options.mono();
  // Staleness on the monotonic clock; the wall time of the last verification is only shown.
  const state = new Map<
    Signal,
    {
      lastVerifiedMono?: number;
      lastVerifiedAt?: Date;
      failuresInARow: number;
      firstReason: VerifyReason;
      lastFailure?: string;
    }
  >(SIGNALS.map((s) => [s, { failuresInARow: 0, firstReason: 'none' }]));

  return {
    observe(verdict: Verdict): void {
      const s = state.get(verdict.signal)!;
      if (verdict.outcome === 'verified') {
        s.lastVerifiedMono = options.mono();
        s.lastVerifiedAt = verdict.at;
        s.failuresInARow = 0;
        s.firstReason = 'none';
      } else if (verdict.outcome !== 'skipped') {
        // The reason that began the streak, but a throttled start gives way to the first real failure:
        // a 429 is a limit to raise, and must not hide the not_found that follows it from the page.
        if (s.failuresInARow === 0 || (s.firstReason === 'throttled' && verdict.reason !== 'throttled'))
          s.firstReason = verdict.reason;
        s.failuresInARow += 1;
        s.lastFailure = `${verdict.outcome}: ${verdict.reason}`;
      }
    },
    streak(signal: Signal): Streak {
      const s = state.get(signal)!;
      return { count: s.failuresInARow, reason: s.firstReason };
    },
    check(signal: Signal): SignalCheck {
      const s = state.get(signal)!;
      const since = (options.mono() - (s.lastVerifiedMono ?? startedMono)) / 1000;
      const base = {
        observedValue: Number(since.toFixed(3)),
        ...(s.lastVerifiedAt ? { time: s.lastVerifiedAt.toISOString() } : {}),
      };
      if (s.failuresInARow >= options.failAfterRuns)
        return { ...base, status: 'fail', output: `${s.failuresInARow} runs in a row failed (${s.lastFailure})` };
      if (options.staleAfterMs > 0 && since * 1000 > options.staleAfterMs) {
        return {
          ...base,
          status: 'warn',
          output: s.lastVerifiedAt ? 'last verification is stale' : 'not verified yet',
        };
      }
      return { ...base, status: 'pass' };
    },
  };
}

export type SignalHealth = ReturnType<typeof createSignalHealth>;
