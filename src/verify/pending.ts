import { EMITTED, type EmitStatus, type SmokeRun } from '../smoke/types';
import { SIGNALS, type Backend, type RunStatus, type Signal, type Trigger } from '../vocabulary';
import type { Finding, Verdict } from './types';

/**
 * One signal of a pending run: `undefined` before it is read back, a bit per hop that has found it
 * while it waits (hop 0 is bit 0), its finding once decided, or UNVERIFIED when the judge stopped.
 */
export type SignalState = undefined | number | Finding;

interface Waiter {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

/** A signal the judge stopped waiting for (shutdown): no verdict. */
export const UNVERIFIED: Finding = Object.freeze({ outcome: 'skipped', reason: 'disabled' });

/** A run made by an earlier process (restored from the state file): when, by which process, and
 * when it was resumed here (its deadline counts from then, its lag from its start). */
export interface Restored {
  readonly restoredAtMs: number | undefined;
  readonly process: string | undefined;
  readonly resumedMono: number | undefined;
}

// The times of a run, unboxed in one array of doubles (a number in a field is a heap object of its own).
const STARTED_MS = 0;
const START_MONO = 1;
const DURATION = 2;
/** Per signal, in SIGNALS order: when its verdict landed (wall ms), and its lag when verified. */
const AT_MS = 3;
const LAG = 6;

const ALL_EMITTED: Readonly<Record<Signal, EmitStatus>> = Object.freeze({
  log: EMITTED,
  trace: EMITTED,
  metric: EMITTED,
});
/** A verified finding, one per backend: the lag is kept among the times, not in an object per run. */
const VERIFIED = new Map<Backend, Finding>();
const verifiedBy = (backend: Backend): Finding => {
  let finding = VERIFIED.get(backend);
  if (!finding) VERIFIED.set(backend, (finding = Object.freeze({ outcome: 'verified', reason: 'none', backend })));
  return finding;
};

const indexOf = (signal: Signal) => (signal === 'log' ? 0 : signal === 'trace' ? 1 : 2);

/**
 * A run awaiting its verdicts, as small as what the readers and the judge need: its ids, seq and
 * times, and per signal where the read-back stands. Thousands wait at once, so it holds no closure,
 * map or promise of its own (a promise only for a caller who waits), and it is a SmokeRun to the
 * readers and the verdicts: what is derived (the start as a Date, the timestamp, the outcome) is
 * derived when asked.
 */
export class Pending implements SmokeRun {
  readonly pipeline: string;
  readonly id: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly seq: number;
  readonly trigger: Trigger;
  readonly signals: Readonly<Record<Signal, EmitStatus>>;
  readonly restored: Restored | undefined;
  private readonly times: number[];
  private log: SignalState = undefined;
  private trace: SignalState = undefined;
  private metric: SignalState = undefined;
  /** The status once settled; while pending, the promise of whoever waits for it, if anyone does. */
  private settlement: RunStatus | Waiter | undefined = undefined;

  constructor(run: SmokeRun, startMono: number, resumedMono?: number) {
    this.pipeline = run.pipeline;
    this.id = run.id;
    this.traceId = run.traceId;
    this.spanId = run.spanId;
    this.seq = run.seq;
    this.trigger = run.trigger;
    const { log, trace, metric } = run.signals;
    this.signals =
      log.status === 'emitted' && trace.status === 'emitted' && metric.status === 'emitted' ? ALL_EMITTED : run.signals;
    const { restoredAtMs, process } = run;
    this.restored =
      restoredAtMs === undefined && process === undefined && resumedMono === undefined
        ? undefined
        : { restoredAtMs, process, resumedMono };
    this.times = [run.startedAt.getTime(), startMono, run.durationSeconds, NaN, NaN, NaN, NaN, NaN, NaN];
  }

  get startedAt(): Date {
    return new Date(this.times[STARTED_MS]!);
  }
  get timestamp(): string {
    return this.startedAt.toISOString();
  }
  get durationSeconds(): number {
    return this.times[DURATION]!;
  }
  get outcome(): SmokeRun['outcome'] {
    return SIGNALS.some((s) => this.signals[s].status === 'error') ? 'failure' : 'success';
  }
  get restoredAtMs(): number | undefined {
    return this.restored?.restoredAtMs;
  }
  get process(): string | undefined {
    return this.restored?.process;
  }
  /** When the run started on the monotonic clock: lags count from here. */
  get startMono(): number {
    return this.times[START_MONO]!;
  }

  state(signal: Signal): SignalState {
    return signal === 'log' ? this.log : signal === 'trace' ? this.trace : this.metric;
  }
  setState(signal: Signal, state: SignalState): void {
    if (signal === 'log') this.log = state;
    else if (signal === 'trace') this.trace = state;
    else this.metric = state;
  }
  /** Whether every signal has its verdict. */
  get decided(): boolean {
    return !SIGNALS.some((s) => this.undecided(s));
  }
  undecided(signal: Signal): boolean {
    const state = this.state(signal);
    return state === undefined || typeof state === 'number';
  }

  /** What the verdicts add up to, once every signal has one: failed on an error, timeout on a miss. */
  judged(): RunStatus {
    let status: RunStatus = 'verified';
    for (const signal of SIGNALS) {
      const state = this.state(signal);
      if (typeof state !== 'object') continue;
      if (state.outcome === 'error') return 'failed';
      if (state.outcome === 'missing') status = 'timeout';
    }
    return status;
  }

  /** Records a signal's finding, landed at `atMs` (wall): a verified one as its lag alone. */
  decide(signal: Signal, finding: Finding, atMs: number): void {
    const i = indexOf(signal);
    this.times[AT_MS + i] = atMs;
    const { outcome, lagSeconds, backend, detail } = finding;
    const plain = outcome === 'verified' && lagSeconds !== undefined && backend !== undefined && detail === undefined;
    if (plain) this.times[LAG + i] = lagSeconds;
    this.setState(signal, plain ? verifiedBy(backend) : finding);
  }

  /** A signal's verdict, once it has one. */
  verdict(signal: Signal): Verdict | undefined {
    const state = this.state(signal);
    if (state === undefined || typeof state === 'number' || state === UNVERIFIED) return undefined;
    const i = indexOf(signal);
    const at = new Date(this.times[AT_MS + i]!);
    if (state.backend !== undefined && state === VERIFIED.get(state.backend))
      return {
        signal,
        outcome: 'verified',
        reason: 'none',
        lagSeconds: this.times[LAG + i]!,
        backend: state.backend,
        at,
      };
    return { signal, ...state, at };
  }
  verdicts(): Partial<Record<Signal, Verdict>> {
    const verdicts: Partial<Record<Signal, Verdict>> = {};
    for (const signal of SIGNALS) {
      const verdict = this.verdict(signal);
      if (verdict) verdicts[signal] = verdict;
    }
    return verdicts;
  }

  get status(): RunStatus {
    return typeof this.settlement === 'string' ? this.settlement : 'pending';
  }
  /** Resolves with `report` once the run is settled; the promise is made for the first caller who waits. */
  settledAs<T>(report: T): Promise<T> {
    if (typeof this.settlement === 'string') return Promise.resolve(report);
    if (!this.settlement) {
      let resolve: () => void = () => {};
      const promise = new Promise<void>((r) => (resolve = r));
      this.settlement = { promise, resolve };
    }
    return this.settlement.promise.then(() => report);
  }
  settle(status: RunStatus): void {
    const waiter = this.settlement;
    this.settlement = status;
    if (typeof waiter === 'object') waiter.resolve();
  }
}
