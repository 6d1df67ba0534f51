import type { Clock, EmitStatus, SmokeRun } from '../smoke/types';
import { SIGNALS, type RunStatus, type Signal } from '../vocabulary';
import { createDeadlineMap } from './deadlineMap';
import { errored, type Finding, type SignalVerifier, type Verdict } from './types';

export interface RunReport {
  readonly run: SmokeRun;
  readonly verdicts: Partial<Record<Signal, Verdict>>;
  readonly status: RunStatus;
  /** Resolves with this report once every signal has its verdict. */
  readonly settled: Promise<RunReport>;
}

/** Every signal has a verifier, or is explicitly not read back: a new signal does not compile without one. */
export type Verifiers = Readonly<Record<Signal, SignalVerifier | 'disabled'>>;

export interface JudgeOptions {
  readonly verifiers: Verifiers;
  readonly timeoutMs: number;
  /** At most this many runs await verification at once, so a flood cannot grow memory; POST runs
   * (deploy gates, trigger "api") have room of their own that GET and scheduled runs cannot take. */
  readonly capacity: Readonly<Record<RoomName, number>>;
  readonly now: Clock;
  /** Sees each verdict as it lands (metrics, health, the failure log line). */
  readonly onVerdict: (verdict: Verdict, run: SmokeRun) => void;
  /** Sees each run once every signal has its verdict (spot checks keep some). */
  readonly onSettled?: (report: RunReport) => void;
}

/** A run still awaiting verdicts, as the state file keeps it across a restart. */
export interface PendingRun {
  readonly run: SmokeRun;
  readonly verdicts: Partial<Record<Signal, Verdict>>;
  /** Per signal, when each hop had confirmed it. */
  readonly progress: Partial<Record<Signal, readonly (number | undefined)[]>>;
}

export type RoomName = 'api' | 'other';
const roomOf = (run: SmokeRun): RoomName => (run.trigger === 'api' ? 'api' : 'other');

export interface Judge {
  /** Starts reading the run back; beyond the capacity it is not, and each signal is counted as
   * skipped (over_capacity), so an overload shows in the metrics. */
  judge(run: SmokeRun): RunReport;
  /** Runs still awaiting a verdict. */
  readonly pending: number;
  /** Every run still awaiting a verdict, oldest first, at most `max` (the newest). */
  snapshot(max: number): PendingRun[];
  /** Waits again for a run restored from the state file: its deadline restarts now, its lag counts from its start. */
  resume(pending: PendingRun): RunReport;
  /** Every reader reads once now (the drain's last look before the state is written). */
  readNow(): Promise<void>;
  /** Stops reading back; runs still pending are settled without being counted, later ones are not
   * read back. Resolves when the readers are closed, so nothing reports after the log closes. */
  stop(): Promise<void>;
}

/** A signal that was not emitted needs no read-back: its emit status is the verdict. */
function fromEmit(emit: EmitStatus): Finding | undefined {
  if (emit.status === 'emitted') return undefined;
  if (emit.status === 'skipped')
    return { outcome: 'skipped', reason: emit.reason === 'sampled_out' ? 'sampled_out' : 'disabled' };
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
  awaiting: number = SIGNALS.length;
  private resolveSettled: ((report: RunReport) => void) | undefined;
  private settledPromise: Promise<RunReport> | undefined;

  constructor(readonly run: SmokeRun) {}

  get settled(): Promise<RunReport> {
    this.settledPromise ??=
      this.status === 'pending' ? new Promise((resolve) => (this.resolveSettled = resolve)) : Promise.resolve(this);
    return this.settledPromise;
  }

  settle(status: RunStatus = statusOf(Object.values(this.verdicts))): void {
    this.status = status;
    this.resolveSettled?.(this);
  }
}

/**
 * Reads every signal of a run back, in parallel, each through its verifier. The judge owns the
 * deadline: one timer for all runs, swept oldest first; at the deadline each verifier says why its
 * signal was not found.
 */
export function createJudge(o: JudgeOptions): Judge {
  const inFlight = createDeadlineMap<Report, true>({
    now: o.now,
    onExpire: (report) => {
      for (const signal of SIGNALS) {
        const verifier = o.verifiers[signal];
        if (!report.verdicts[signal] && verifier !== 'disabled') land(report, signal, verifier.expire(report.run));
      }
    },
  });
  let stopped = false;
  const inRoom: Record<RoomName, number> = { api: 0, other: 0 };

  function land(report: Report, signal: Signal, finding: Finding): void {
    if (report.verdicts[signal]) return;
    const verdict: Verdict = { signal, ...finding, at: new Date(o.now()) };
    report.verdicts[signal] = verdict;
    o.onVerdict(verdict, report.run);
    report.awaiting -= 1;
    if (report.awaiting > 0) return;
    inFlight.take(report);
    inRoom[roomOf(report.run)] -= 1;
    report.settle();
    o.onSettled?.(report);
  }

  return {
    judge(run) {
      if (stopped) return notVerified(run, new Date(o.now()), 'disabled', 'the daemon is shutting down');
      const room = roomOf(run);
      if (inRoom[room] >= o.capacity[room]) {
        const report = notVerified(run, new Date(o.now()), 'over_capacity', 'too many runs awaiting verification');
        for (const signal of SIGNALS) o.onVerdict(report.verdicts[signal] as Verdict, run);
        return report;
      }
      const report = new Report(run);
      inRoom[room] += 1;
      inFlight.set(report, true, Math.max(run.startedAt.getTime() + o.timeoutMs, o.now()));
      for (const signal of SIGNALS) {
        const verifier = o.verifiers[signal];
        const early = fromEmit(run.signals[signal]) ?? (verifier === 'disabled' ? DISABLED : undefined);
        if (early) land(report, signal, early);
        else if (verifier !== 'disabled') verifier.verify(run, (finding) => land(report, signal, finding));
      }
      return report;
    },
    get pending() {
      return inFlight.size;
    },
    snapshot(max) {
      const out: PendingRun[] = [];
      inFlight.forEach((report) => {
        const progress: PendingRun['progress'] = {};
        for (const signal of SIGNALS) {
          const verifier = o.verifiers[signal];
          const found = verifier === 'disabled' || report.verdicts[signal] ? undefined : verifier.progress(report.run);
          if (found) progress[signal] = [...found];
        }
        out.push({ run: report.run, verdicts: { ...report.verdicts }, progress });
      });
      return out.slice(-max);
    },
    resume(pending) {
      const report = new Report(pending.run);
      const room = roomOf(pending.run);
      inRoom[room] += 1;
      inFlight.set(report, true, Math.max(pending.run.startedAt.getTime(), o.now()) + o.timeoutMs);
      for (const signal of SIGNALS) {
        const verifier = o.verifiers[signal];
        const earlier = pending.verdicts[signal];
        if (earlier) {
          report.verdicts[signal] = earlier; // landed before the restart: counted then
          report.awaiting -= 1;
        } else if (verifier === 'disabled') land(report, signal, DISABLED);
        else verifier.verify(pending.run, (finding) => land(report, signal, finding), pending.progress[signal]);
      }
      if (report.awaiting === 0 && inFlight.take(report)) {
        inRoom[room] -= 1;
        report.settle();
      }
      return report;
    },
    readNow: async () =>
      void (await Promise.all(
        SIGNALS.map((s) => o.verifiers[s]).map((v) => (v === 'disabled' ? undefined : v.readNow())),
      )),
    async stop() {
      if (stopped) return;
      stopped = true;
      // A read-back cut short by shutdown is not a pipeline failure: not counted, not logged.
      inFlight.drain((report) => report.settle('unverified'));
      inRoom.api = inRoom.other = 0;
      await Promise.all(SIGNALS.map((s) => o.verifiers[s]).map((v) => (v === 'disabled' ? undefined : v.stop())));
    },
  };
}

/** A run that will not be read back (overload, shutdown): every signal skipped, with why. */
function notVerified(run: SmokeRun, at: Date, reason: 'disabled' | 'over_capacity', why: string): RunReport {
  const report = new Report(run);
  for (const signal of SIGNALS) report.verdicts[signal] = { signal, outcome: 'skipped', reason, at, detail: why };
  report.settle('unverified');
  return report;
}
