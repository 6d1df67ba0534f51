import { SIGNALS, type Signal } from '../smoke/constants';
import type { EmitStatus, SmokeRun } from '../smoke/types';
import { createDeadlineMap } from './deadlineMap';
import { errored, missing, type Clock, type Finding, type SignalVerifier, type Verdict } from './types';

/** pending until every signal has a verdict; then verified, failed (an error) or timeout (missing); unverified: never read back (overload). */
export type RunStatus = 'pending' | 'verified' | 'failed' | 'timeout' | 'unverified';

export interface RunReport {
  readonly run: SmokeRun;
  readonly verdicts: Partial<Record<Signal, Verdict>>;
  readonly status: RunStatus;
  /** Resolves with this report once every signal has its verdict. */
  readonly settled: Promise<RunReport>;
}

export interface JudgeOptions {
  /** One verifier per enabled signal; a missing one means the signal is not read back. */
  readonly verifiers: Partial<Record<Signal, SignalVerifier>>;
  readonly timeoutMs: number;
  /** At most this many runs await verification at once, so a flood cannot grow memory. */
  readonly capacity: number;
  readonly now: Clock;
  /** Sees each verdict as it lands (metrics, health, the failure log line). */
  readonly onVerdict: (verdict: Verdict, run: SmokeRun) => void;
}

export interface Judge {
  /** Starts reading the run back; beyond the capacity it is not, and each signal is counted as
   * skipped (over_capacity), so an overload shows in the metrics. */
  judge(run: SmokeRun): RunReport;
  /** Runs still awaiting a verdict. */
  readonly pending: number;
  /** Settles every pending verification now; later runs are not read back. Resolves when all
   * verdicts have been delivered, so nothing reports after the log closes. */
  stop(): Promise<void>;
}

/** A signal that was not emitted needs no read-back: its emit status is the verdict. */
function fromEmit(emit: EmitStatus): Finding | undefined {
  if (emit.status === 'emitted') return undefined;
  if (emit.status === 'skipped') return { outcome: 'skipped', reason: emit.reason === 'sampled_out' ? 'sampled_out' : 'disabled' };
  return errored(emit.reason === 'write_failed' || emit.reason === 'dropped' ? emit.reason : 'emit_failed');
}

export function statusOf(verdicts: readonly Verdict[]): RunStatus {
  if (verdicts.some((v) => v.outcome === 'error')) return 'failed';
  if (verdicts.some((v) => v.outcome === 'missing')) return 'timeout';
  return 'verified';
}

const DISABLED: Finding = { outcome: 'skipped', reason: 'disabled' };

/** A report fills in as verdicts land; its promise is made only for whoever asks (a waiting POST). */
class Report implements RunReport {
  status: RunStatus = 'pending';
  readonly verdicts: Partial<Record<Signal, Verdict>> = {};
  awaiting = SIGNALS.length;
  private resolveSettled: ((report: RunReport) => void) | undefined;
  private settledPromise: Promise<RunReport> | undefined;

  constructor(readonly run: SmokeRun) {}

  get settled(): Promise<RunReport> {
    this.settledPromise ??= this.status === 'pending' ? new Promise((resolve) => (this.resolveSettled = resolve)) : Promise.resolve(this);
    return this.settledPromise;
  }

  settle(): void {
    this.status = statusOf(Object.values(this.verdicts));
    this.resolveSettled?.(this);
  }
}

/**
 * Reads every signal of a run back, in parallel. Each verifier answers by the verification
 * timeout; one that does not is cut off a second later (one timer for all runs, not one each).
 */
export function createJudge(o: JudgeOptions): Judge {
  const GRACE_MS = 1000;
  const inFlight = createDeadlineMap<Report, true>({
    now: o.now,
    onExpire: (report) => {
      for (const signal of SIGNALS) if (!report.verdicts[signal]) land(report, signal, missing('timeout'));
    },
  });
  let stopped = false;
  let drained: (() => void) | undefined;
  let stopping: Promise<void> | undefined;

  function land(report: Report, signal: Signal, finding: Finding): void {
    if (report.verdicts[signal]) return; // a verifier answering after it was cut off
    const verdict: Verdict = { signal, ...finding, at: new Date(o.now()) };
    report.verdicts[signal] = verdict;
    // A read-back cut short by shutdown is not a pipeline failure: not counted, not logged.
    if (!stopped) o.onVerdict(verdict, report.run);
    report.awaiting -= 1;
    if (report.awaiting > 0) return;
    inFlight.take(report);
    report.settle();
    if (inFlight.size === 0) drained?.();
  }

  return {
    judge(run) {
      if (stopped) return notVerified(run, new Date(o.now()), 'disabled', 'the daemon is shutting down');
      if (inFlight.size >= o.capacity) {
        const report = notVerified(run, new Date(o.now()), 'over_capacity', 'too many runs awaiting verification');
        for (const signal of SIGNALS) o.onVerdict(report.verdicts[signal] as Verdict, run);
        return report;
      }
      const report = new Report(run);
      const deadlineMs = run.startedAt.getTime() + o.timeoutMs;
      inFlight.set(report, true, Math.max(deadlineMs, o.now()) + GRACE_MS);
      for (const signal of SIGNALS) {
        const verifier = o.verifiers[signal];
        const early = fromEmit(run.signals[signal]) ?? (verifier ? undefined : DISABLED);
        if (early) land(report, signal, early);
        else verifier?.verify(run, deadlineMs, (finding) => land(report, signal, finding));
      }
      return report;
    },
    get pending() {
      return inFlight.size;
    },
    stop() {
      if (stopping) return stopping;
      stopped = true;
      stopping = new Promise<void>((resolve) => (drained = resolve));
      for (const verifier of Object.values(o.verifiers)) verifier.stop();
      if (inFlight.size === 0) drained?.();
      return stopping;
    },
  };
}

/** A run that will not be read back (overload, shutdown): every signal skipped, with why. */
function notVerified(run: SmokeRun, at: Date, reason: 'disabled' | 'over_capacity', why: string): RunReport {
  const report = new Report(run);
  for (const signal of SIGNALS) report.verdicts[signal] = { signal, outcome: 'skipped', reason, at, detail: why };
  report.status = 'unverified';
  return report;
}
