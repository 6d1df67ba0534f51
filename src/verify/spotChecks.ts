import type { Reader } from '../readers/types';
import type { Clock, SmokeRun } from '../smoke/types';
import type { Backend, Signal, SpotOutcome, VerifyReason } from '../vocabulary';
import { deadlineSignal } from '../readers/deadline';
import { ReadError } from '../readers/types';
import type { RunReport } from './judge';

/** One re-read of a run, every hop of it, at most this long. */
const RECHECK_TIMEOUT_MS = 30_000;

/** A run kept for re-reading: when each of its signals was verified. */
export interface SpotRun {
  readonly run: SmokeRun;
  readonly verifiedAtMs: Partial<Record<Signal, number>>;
}

export interface SpotResult {
  readonly run: SmokeRun;
  readonly signal: Signal;
  readonly backend: Backend;
  readonly outcome: SpotOutcome;
  /** Why a re-read failed (outcome `error`). */
  readonly reason?: VerifyReason;
  readonly detail?: string;
  /** The age bucket the run was in when re-read: a bounded label. */
  readonly age: string;
}

export interface SpotChecks {
  /** Every settled run; one verified run per spot interval is kept. */
  offer(report: RunReport): void;
  readonly kept: readonly SpotRun[];
  /** Runs kept by an earlier process (the state file). */
  restore(runs: readonly SpotRun[]): void;
  stop(): void;
}

/** "15m", "1h", "90s": a duration as a label value. */
export function durationLabel(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/**
 * The age buckets a re-read is counted under: up to the spot interval, up to a quarter of the
 * horizon, up to the horizon (15m, 1h and 4h by default). Three values: a bounded label.
 */
export function ageBuckets(
  spotIntervalMs: number,
  horizonMs: number,
): { readonly upToMs: number; readonly label: string }[] {
  const bounds = [...new Set([spotIntervalMs, Math.max(spotIntervalMs, Math.round(horizonMs / 4)), horizonMs])].sort(
    (a, b) => a - b,
  );
  return bounds.map((upToMs) => ({ upToMs, label: durationLabel(upToMs) }));
}

export interface SpotChecksOptions {
  readers: Readonly<Record<Signal, readonly Reader[]>>;
  spotIntervalMs: number;
  horizonMs: number;
  recheckIntervalMs: number;
  now: Clock;
  onResult: (result: SpotResult) => void;
  /** Timer and jitter, injected so tests can run hours in milliseconds. */
  setTimer?: (fn: () => void, ms: number) => { unref?(): void };
  clearTimer?: (timer: unknown) => void;
  random?: () => number;
}

/** The readers that can be asked again, by signal: only a store; a stream or an exporter's answer is gone once read. */
export const recheckers = (readers: Readonly<Record<Signal, readonly Reader[]>>) =>
  (Object.entries(readers) as [Signal, readonly Reader[]][]).flatMap(([signal, chain]) =>
    chain.flatMap((reader) => (reader.kind === 'polled' && reader.recheck ? [{ signal, reader }] : [])),
  );

/**
 * Proves the data is still there hours later (as loki-canary's spot checks and tempo-vulture's
 * re-reads do): keeps one verified run per `spotIntervalMs` for `horizonMs`, and every
 * `recheckIntervalMs` (jittered by ±10 %, so a fleet does not query in step) asks every store that
 * can be asked again whether it still holds it. A run verified once and not found again is
 * `lost_after_ingest`.
 */
export function createSpotChecks(options: SpotChecksOptions): SpotChecks {
  const setTimer = options.setTimer ?? setTimeout;
  const clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  const random = options.random ?? Math.random;
  const buckets = ageBuckets(options.spotIntervalMs, options.horizonMs);
  const ageOf = (ms: number) => (buckets.find((b) => ms <= b.upToMs) ?? buckets[buckets.length - 1]!).label;
  const rechecked = recheckers(options.readers);
  let kept: SpotRun[] = [];
  let lastKeptMs = -Infinity;
  let timer: unknown;
  let checking = false;
  let stopped = false;

  async function recheckAll(): Promise<void> {
    const now = options.now();
    kept = kept.filter((k) => now - k.run.startedAt.getTime() <= options.horizonMs);
    for (const { run, verifiedAtMs } of kept) {
      const age = ageOf(now - run.startedAt.getTime());
      for (const { signal, reader } of rechecked) {
        const at = verifiedAtMs[signal];
        if (at === undefined || stopped) continue;
        try {
          const deadline = deadlineSignal(RECHECK_TIMEOUT_MS);
          const found = await reader.recheck!(run, at, deadline.signal).finally(deadline.clear);
          options.onResult({
            run,
            signal,
            backend: reader.backend,
            outcome: found ? 'found' : 'lost_after_ingest',
            age,
          });
        } catch (err) {
          options.onResult({
            run,
            signal,
            backend: reader.backend,
            outcome: 'error',
            reason: err instanceof ReadError ? err.reason : 'query_failed',
            detail: (err as Error).message,
            age,
          });
        }
      }
    }
  }

  function arm(): void {
    if (stopped || options.recheckIntervalMs <= 0 || rechecked.length === 0) return;
    const t = setTimer(
      () => {
        if (checking) return arm();
        checking = true;
        void recheckAll().finally(() => {
          checking = false;
          arm();
        });
      },
      options.recheckIntervalMs * (0.9 + 0.2 * random()),
    );
    t.unref?.();
    timer = t;
  }
  arm();

  return {
    offer(report) {
      if (options.spotIntervalMs <= 0 || report.status !== 'verified') return;
      const startedMs = report.run.startedAt.getTime();
      if (startedMs - lastKeptMs < options.spotIntervalMs) return;
      lastKeptMs = startedMs;
      const verifiedAtMs: Partial<Record<Signal, number>> = {};
      for (const [signal, verdict] of Object.entries(report.verdicts) as [Signal, RunReport['verdicts'][Signal]][]) {
        if (verdict?.outcome === 'verified') verifiedAtMs[signal] = verdict.at.getTime();
      }
      kept.push({ run: report.run, verifiedAtMs });
    },
    get kept() {
      return kept;
    },
    restore(runs) {
      kept = [...runs, ...kept];
      for (const k of runs) lastKeptMs = Math.max(lastKeptMs, k.run.startedAt.getTime());
    },
    stop() {
      stopped = true;
      clearTimer(timer);
    },
  };
}
