import type { Reader } from '../readers/types';
import type { Clock, EmitStatus, MonoClock, SmokeRun } from '../smoke/types';
import { SIGNALS, type RunStatus, type Signal } from '../vocabulary';
import { createDeadlineMap } from './deadlineMap';
import { createSignalVerifier } from './signalVerifier';
import { errored, type Awaited, type Finding, type SignalVerifier, type Verdict } from './types';

export interface RunReport {
  readonly run: SmokeRun;
  readonly verdicts: Partial<Record<Signal, Verdict>>;
  readonly status: RunStatus;
  /** Resolves with this report once every signal has its verdict. */
  readonly settled: Promise<RunReport>;
}

/** Per signal, the readers it must reach in order (written, exported, stored), or not read back at all. */
export type Chains = Readonly<Record<Signal, readonly Reader[] | 'disabled'>>;

export interface JudgeOptions {
  /** Every signal has a chain, or is explicitly not read back: a new signal does not compile without one. */
  readonly chains: Chains;
  readonly timeoutMs: number;
  /** How often each reader looks for the runs awaiting it. */
  readonly pollMs: number;
  /** At most this many runs await verification at once, so a flood cannot grow memory; POST runs
   * (deploy gates, trigger "api") have room of their own that GET and scheduled runs cannot take. */
  readonly capacity: Readonly<Record<RoomName, number>>;
  /** Wall time: only stamped on verdicts. */
  readonly now: Clock;
  /** Every deadline and lag. */
  readonly mono: MonoClock;
  /** Sees each verdict as it lands (metrics, health, the failure log line). */
  readonly onVerdict: (verdict: Verdict, run: SmokeRun) => void;
  /** Sees each run once every signal has its verdict (spot checks keep some). */
  readonly onSettled?: (report: RunReport) => void;
}

/** A run still awaiting verdicts, as the state file keeps it across a restart. */
export interface PendingRun {
  readonly run: SmokeRun;
  readonly verdicts: Partial<Record<Signal, Verdict>>;
  /** Per signal, which hops had found it. */
  readonly progress: Partial<Record<Signal, readonly boolean[]>>;
}

export type RoomName = 'api' | 'other';
export const roomOf = (run: SmokeRun): RoomName => (run.trigger === 'api' ? 'api' : 'other');

export interface Judge {
  /** Starts reading the run back; beyond the capacity it is not, and each signal is counted as
   * skipped (over_capacity), so an overload shows in the metrics. */
  judge(run: SmokeRun): RunReport;
  /** Runs still awaiting a verdict, and per room. */
  readonly pending: number;
  /** How many runs each room holds at most. */
  readonly capacity: Readonly<Record<RoomName, number>>;
  pendingIn(room: RoomName): number;
  /** Every run still awaiting a verdict, at most `max` (the newest), newest first. */
  snapshot(max: number): Iterable<PendingRun>;
  /** Waits again for a run restored from the state file (validated by the caller): its deadline
   * restarts now, its lag counts from its start. Undefined when its room is full. */
  resume(pending: PendingRun): RunReport | undefined;
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

/** A run being judged: its report fills in as verdicts land; its promise is made only for whoever asks (a waiting POST). */
class Judgement implements RunReport, Awaited {
  status: RunStatus = 'pending';
  readonly verdicts: Partial<Record<Signal, Verdict>> = {};
  awaiting: number = SIGNALS.length;
  private resolveSettled: ((report: RunReport) => void) | undefined;
  private settledPromise: Promise<RunReport> | undefined;

  constructor(
    readonly run: SmokeRun,
    readonly startMono: number,
  ) {}

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
 * deadline: one timer for all runs, on the monotonic clock; at the deadline each verifier says why
 * its signal was not found.
 */
export function createJudge(options: JudgeOptions): Judge {
  const inFlight = createDeadlineMap<Judgement, true>({
    now: options.mono,
    onExpire: (report) => {
      for (const signal of SIGNALS) {
        const verifier = verifiers[signal];
        if (!report.verdicts[signal] && verifier) land(report, signal, verifier.expire(report.run));
      }
    },
  });
  const verifiers = Object.fromEntries(
    SIGNALS.map((signal) => {
      const readers = options.chains[signal];
      if (readers === 'disabled') return [signal, undefined];
      // A read may look up many runs one request at a time: bounded per read, and by the verify timeout as a whole.
      const verifier = createSignalVerifier<Judgement>({
        readers,
        pollMs: options.pollMs,
        readTimeoutMs: Math.max(1000, options.timeoutMs),
        mono: options.mono,
        onFinding: (report, finding) => land(report, signal, finding),
      });
      return [signal, verifier];
    }),
  ) as Record<Signal, SignalVerifier<Judgement> | undefined>;
  let stopped = false;
  const inRoom: Record<RoomName, number> = { api: 0, other: 0 };

  function land(report: Judgement, signal: Signal, finding: Finding): void {
    if (report.verdicts[signal]) return;
    const verdict: Verdict = { signal, ...finding, at: new Date(options.now()) };
    report.verdicts[signal] = verdict;
    options.onVerdict(verdict, report.run);
    report.awaiting -= 1;
    if (report.awaiting > 0) return;
    inFlight.take(report);
    inRoom[roomOf(report.run)] -= 1;
    report.settle();
    options.onSettled?.(report);
  }

  return {
    judge(run) {
      if (stopped) return notVerified(run, new Date(options.now()), 'disabled', 'the daemon is shutting down');
      const room = roomOf(run);
      if (inRoom[room] >= options.capacity[room]) {
        const report = notVerified(
          run,
          new Date(options.now()),
          'over_capacity',
          'too many runs awaiting verification',
        );
        for (const signal of SIGNALS) options.onVerdict(report.verdicts[signal] as Verdict, run);
        return report;
      }
      const startMono = options.mono();
      const report = new Judgement(run, startMono);
      inRoom[room] += 1;
      inFlight.set(report, true, startMono + options.timeoutMs);
      for (const signal of SIGNALS) {
        const verifier = verifiers[signal];
        const early = fromEmit(run.signals[signal]) ?? (verifier ? undefined : DISABLED);
        if (early) land(report, signal, early);
        else verifier?.verify(report);
      }
      return report;
    },
    get pending() {
      return inFlight.size;
    },
    capacity: options.capacity,
    pendingIn: (room) => inRoom[room],
    snapshot(max) {
      // The reports now; each is read as the caller gets to it (the state is written in slices).
      const reports: Judgement[] = [];
      inFlight.forEach((report) => reports.push(report));
      const toPending = (report: Judgement): PendingRun => {
        const progress: PendingRun['progress'] = {};
        for (const signal of SIGNALS) {
          const found = report.verdicts[signal] ? undefined : verifiers[signal]?.progress(report.run);
          if (found) progress[signal] = found;
        }
        return { run: report.run, verdicts: { ...report.verdicts }, progress };
      };
      return (function* () {
        for (let i = reports.length - 1; i >= Math.max(0, reports.length - max); i -= 1) yield toPending(reports[i]!);
      })();
    },
    resume(pending) {
      const room = roomOf(pending.run);
      if (stopped || inRoom[room] >= options.capacity[room]) return undefined;
      // Its lag counts from its start (never from the future), its deadline from now.
      const monoNow = options.mono();
      const report = new Judgement(pending.run, monoNow - Math.max(0, options.now() - pending.run.startedAt.getTime()));
      inRoom[room] += 1;
      inFlight.set(report, true, monoNow + options.timeoutMs);
      for (const signal of SIGNALS) {
        const verifier = verifiers[signal];
        const earlier = pending.verdicts[signal];
        if (earlier) {
          report.verdicts[signal] = earlier; // landed before the restart: counted then
          report.awaiting -= 1;
        } else if (!verifier) land(report, signal, DISABLED);
        else verifier.verify(report, pending.progress[signal]);
      }
      if (report.awaiting === 0 && inFlight.take(report)) {
        inRoom[room] -= 1;
        report.settle();
      }
      return report;
    },
    readNow: async () => void (await Promise.all(SIGNALS.map((s) => verifiers[s]?.readNow()))),
    async stop() {
      if (stopped) return;
      stopped = true;
      // A read-back cut short by shutdown is not a pipeline failure: not counted, not logged.
      inFlight.drain((report) => report.settle('unverified'));
      inRoom.api = inRoom.other = 0;
      await Promise.all(SIGNALS.map((s) => verifiers[s]?.stop()));
    },
  };
}

/** A run that will not be read back (overload, shutdown): every signal skipped, with why. */
function notVerified(run: SmokeRun, at: Date, reason: 'disabled' | 'over_capacity', why: string): RunReport {
  const report = new Judgement(run, 0);
  for (const signal of SIGNALS) report.verdicts[signal] = { signal, ...DISABLED, reason, at, detail: why };
  report.settle('unverified');
  return report;
}
