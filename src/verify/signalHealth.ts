import type { Clock } from '../smoke/types';
import { SIGNALS, type HealthStatus, type Signal } from '../vocabulary';
import type { Verdict } from './types';

export interface SignalCheck {
  readonly status: HealthStatus;
  /** Seconds since the last verified read-back. */
  readonly observedValue?: number;
  readonly time?: string;
  readonly output?: string;
}

/**
 * Per-signal verification health for /healthz: warn when the last verification is older than
 * `staleAfterMs` (0: never stale), fail when `failAfterRuns` runs in a row failed the signal.
 */
export function createSignalHealth(o: { staleAfterMs: number; failAfterRuns: number; now: Clock; startedMs: number }) {
  const state = new Map<Signal, { lastVerifiedMs?: number; failuresInARow: number; lastFailure?: string }>(
    SIGNALS.map((s) => [s, { failuresInARow: 0 }]),
  );

  return {
    observe(verdict: Verdict): void {
      const s = state.get(verdict.signal)!;
      if (verdict.outcome === 'verified') {
        s.lastVerifiedMs = verdict.at.getTime();
        s.failuresInARow = 0;
      } else if (verdict.outcome !== 'skipped') {
        s.failuresInARow += 1;
        s.lastFailure = `${verdict.outcome}: ${verdict.reason}`;
      }
    },
    check(signal: Signal): SignalCheck {
      const s = state.get(signal)!;
      const since = (o.now() - (s.lastVerifiedMs ?? o.startedMs)) / 1000;
      const base = { observedValue: Number(since.toFixed(3)), ...(s.lastVerifiedMs ? { time: new Date(s.lastVerifiedMs).toISOString() } : {}) };
      if (s.failuresInARow >= o.failAfterRuns) return { ...base, status: 'fail', output: `${s.failuresInARow} runs in a row failed (${s.lastFailure})` };
      if (o.staleAfterMs > 0 && since * 1000 > o.staleAfterMs) {
        return { ...base, status: 'warn', output: s.lastVerifiedMs ? 'last verification is stale' : 'not verified yet' };
      }
      return { ...base, status: 'pass' };
    },
  };
}

export type SignalHealth = ReturnType<typeof createSignalHealth>;
