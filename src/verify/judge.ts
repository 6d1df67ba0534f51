import { SIGNALS, type Signal } from '../smoke/constants';
import type { EmitStatus, SmokeRun } from '../smoke/types';
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
  readonly now: Clock;
  /** Sees each verdict as it lands (metrics, health, the failure log line). */
  readonly onVerdict: (verdict: Verdict, run: SmokeRun) => void;
}

export interface Judge {
  judge(run: SmokeRun): RunReport;
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

/** Reads every signal of a run back, in parallel, each bounded by the verification timeout. */
export function createJudge(o: JudgeOptions): Judge {
  async function one(signal: Signal, run: SmokeRun, deadlineMs: number): Promise<Finding> {
    const early = fromEmit(run.signals[signal]);
    if (early) return early;
    const verifier = o.verifiers[signal];
    if (!verifier) return { outcome: 'skipped', reason: 'disabled' };
    let timer: NodeJS.Timeout | undefined;
    const backstop = new Promise<Finding>((resolve) => {
      timer = setTimeout(() => resolve(missing('timeout')), Math.max(0, deadlineMs - o.now()) + 1000);
    });
    try {
      return await Promise.race([verifier.verify(run, deadlineMs), backstop]);
    } finally {
      clearTimeout(timer);
    }
  }

  const inFlight = new Set<Promise<RunReport>>();
  let stopped = false;

  return {
    judge(run) {
      if (stopped) return notVerified(run, new Date(o.now()), 'the daemon is shutting down');
      const deadlineMs = run.startedAt.getTime() + o.timeoutMs;
      const verdicts: Partial<Record<Signal, Verdict>> = {};
      const report = { run, verdicts, status: 'pending' as RunStatus } as { -readonly [K in keyof RunReport]: RunReport[K] };
      report.settled = Promise.all(
        SIGNALS.map(async (signal) => {
          const verdict: Verdict = { signal, ...(await one(signal, run, deadlineMs)), at: new Date(o.now()) };
          verdicts[signal] = verdict;
          // A read-back cut short by shutdown is not a pipeline failure: not counted, not logged.
          if (!stopped) o.onVerdict(verdict, run);
          return verdict;
        }),
      ).then((all) => {
        report.status = statusOf(all);
        return report;
      });
      inFlight.add(report.settled);
      void report.settled.finally(() => inFlight.delete(report.settled));
      return report;
    },
    async stop() {
      stopped = true;
      for (const verifier of Object.values(o.verifiers)) verifier.stop();
      await Promise.all(inFlight);
    },
  };
}

/** A run that will not be read back (overload, shutdown): every signal skipped, with why. */
export function notVerified(run: SmokeRun, at: Date, why: string): RunReport {
  const verdicts = Object.fromEntries(SIGNALS.map((signal): [Signal, Verdict] => [signal, { signal, outcome: 'skipped', reason: 'disabled', at, detail: why }]));
  const report: { -readonly [K in keyof RunReport]: RunReport[K] } = { run, verdicts, status: 'unverified', settled: Promise.resolve() as never };
  report.settled = Promise.resolve(report);
  return report;
}
