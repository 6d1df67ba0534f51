import type { Reader } from '../readers/types';
import type { Clock, EmitStatus, MonoClock, SmokeRun } from '../smoke/types';
import { SIGNALS, type RunStatus, type Signal } from '../vocabulary';
import { Pending, UNVERIFIED } from './pending';
import { PendingRuns } from './pendingRuns';
import { createSignalVerifier, type SignalVerifier } from './signalVerifier';
import { errored, type Finding, type Verdict } from './types';

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

const DISABLED: Finding = { outcome: 'skipped', reason: 'disabled' };

/**
 * A run's receipt: the run as it was made, and its verdicts as they land. It reads them from the
 * pending entry, which holds no link back: a receipt the ledger lets go of is gone, while the run
 * goes on being read back.
 */
class Receipt implements RunReport {
  private settledPromise: Promise<RunReport> | undefined;

  constructor(
    readonly run: SmokeRun,
    private readonly pending: Pending,
  ) {}

  get status(): RunStatus {
    return this.pending.status;
  }
  get verdicts(): Partial<Record<Signal, Verdict>> {
    return this.pending.verdicts();
  }
  get settled(): Promise<RunReport> {
    return (this.settledPromise ??= this.pending.settledAs(this));
  }
}

/**
 * Reads every signal of a run back, in parallel, each through its verifier. The judge owns the
 * deadline: one timer for all runs, on the monotonic clock; at the deadline each verifier says why
 * its signal was not found.
 */
export function createJudge(options: JudgeOptions): Judge {
  const pending = new PendingRuns({
    timeoutMs: options.timeoutMs,
    mono: options.mono,
    onExpire: (run) => {
      for (const signal of SIGNALS) {
        const verifier = verifiers[signal];
        if (run.undecided(signal) && verifier) land(run, signal, verifier.expire(run));
      }
    },
  });
  const verifiers = Object.fromEntries(
    SIGNALS.map((signal) => {
      const readers = options.chains[signal];
      if (readers === 'disabled') return [signal, undefined];
      // A read may look up many runs one request at a time: bounded per read, and by the verify timeout as a whole.
      const verifier = createSignalVerifier({
        signal,
        readers,
        pollMs: options.pollMs,
        readTimeoutMs: Math.max(1000, options.timeoutMs),
        mono: options.mono,
        pending,
        onFinding: (run, finding) => land(run, signal, finding),
      });
      return [signal, verifier];
    }),
  ) as Record<Signal, SignalVerifier | undefined>;
  let stopped = false;
  const inRoom: Record<RoomName, number> = { api: 0, other: 0 };

  function land(run: Pending, signal: Signal, finding: Finding): void {
    if (!run.undecided(signal)) return;
    const atMs = options.now();
    run.decide(signal, finding, atMs);
    options.onVerdict({ signal, ...finding, at: new Date(atMs) }, run);
    if (run.status !== 'pending' || !run.decided) return;
    release(run);
    options.onSettled?.(new Receipt(run, run));
  }

  /** A run whose every verdict has landed: out of the pending runs and its room, settled. */
  function release(run: Pending): void {
    pending.delete(run);
    inRoom[roomOf(run)] -= 1;
    run.settle(run.judged());
  }

  /** Starts reading each signal back, or lands what needs no read-back; the run takes room until it settles. */
  function wait(run: Pending, receipt: RunReport, earlier: PendingRun | undefined): RunReport {
    inRoom[roomOf(run)] += 1;
    pending.add(run);
    for (const signal of SIGNALS) {
      const verifier = verifiers[signal];
      const before = earlier?.verdicts[signal];
      if (before)
        run.decide(signal, before, before.at.getTime()); // landed before the restart: counted then
      else if (earlier) {
        if (verifier) verifier.verify(run, earlier.progress[signal]);
        else land(run, signal, DISABLED);
      } else {
        const early = fromEmit(run.signals[signal]) ?? (verifier ? undefined : DISABLED);
        if (early) land(run, signal, early);
        else verifier?.verify(run);
      }
    }
    // Every verdict had landed before the restart: settled now, and not counted again.
    if (run.status === 'pending' && run.decided) release(run);
    return receipt;
  }

  return {
    judge(run) {
      if (stopped) return notVerified(run, options.now(), 'disabled', 'the daemon is shutting down');
      if (inRoom[roomOf(run)] >= options.capacity[roomOf(run)]) {
        const report = notVerified(run, options.now(), 'over_capacity', 'too many runs awaiting verification');
        const { verdicts } = report;
        for (const signal of SIGNALS) options.onVerdict(verdicts[signal] as Verdict, run);
        return report;
      }
      const entry = new Pending(run, options.mono());
      return wait(entry, new Receipt(run, entry), undefined);
    },
    get pending() {
      return pending.size;
    },
    capacity: options.capacity,
    pendingIn: (room) => inRoom[room],
    snapshot(max) {
      // The runs now; each is read as the caller gets to it (the state is written in slices).
      const runs = [...pending.values()];
      const toPending = (run: Pending): PendingRun => {
        const progress: PendingRun['progress'] = {};
        for (const signal of SIGNALS) {
          const found = run.undecided(signal) ? verifiers[signal]?.progress(run) : undefined;
          if (found) progress[signal] = found;
        }
        return { run, verdicts: run.verdicts(), progress };
      };
      return (function* () {
        for (let i = runs.length - 1; i >= Math.max(0, runs.length - max); i -= 1) yield toPending(runs[i]!);
      })();
    },
    resume(earlier) {
      const { run } = earlier;
      if (stopped || inRoom[roomOf(run)] >= options.capacity[roomOf(run)] || pending.get(run.traceId)) return undefined;
      // Its lag counts from its start (never from the future), its deadline from now.
      const monoNow = options.mono();
      const startMono = monoNow - Math.max(0, options.now() - run.startedAt.getTime());
      const entry = new Pending(run, startMono, monoNow);
      return wait(entry, new Receipt(run, entry), earlier);
    },
    readNow: async () => void (await Promise.all(SIGNALS.map((s) => verifiers[s]?.readNow()))),
    async stop() {
      if (stopped) return;
      stopped = true;
      // A read-back cut short by shutdown is not a pipeline failure: not counted, not logged.
      pending.drain((run) => {
        for (const signal of SIGNALS) if (run.undecided(signal)) run.setState(signal, UNVERIFIED);
        run.settle('unverified');
      });
      inRoom.api = inRoom.other = 0;
      await Promise.all(SIGNALS.map((s) => verifiers[s]?.stop()));
    },
  };
}

/** A run that will not be read back (overload, shutdown): every signal skipped, with why. */
function notVerified(run: SmokeRun, atMs: number, reason: 'disabled' | 'over_capacity', why: string): RunReport {
  const entry = new Pending(run, 0);
  const finding: Finding = { ...DISABLED, reason, detail: why };
  for (const signal of SIGNALS) entry.decide(signal, finding, atMs);
  entry.settle('unverified');
  return new Receipt(run, entry);
}
