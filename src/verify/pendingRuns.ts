import type { MonoClock } from '../smoke/types';
import type { Pending } from './pending';

export interface PendingRunsOptions {
  readonly timeoutMs: number;
  readonly mono: MonoClock;
  /** Called for each run at its deadline, once it is out of the set; it must settle the run. */
  readonly onExpire: (run: Pending) => void;
}

/**
 * The runs awaiting their verdicts, by trace id, oldest first: what every signal's readers ask
 * about. Each run waits one timeout from when it was judged (or resumed) on the monotonic clock, so
 * the oldest is always the next due: one timer, armed for the oldest, serves them all, with no
 * heap and no entry per deadline (a clock step cannot move them).
 */
export class PendingRuns {
  private readonly byTrace = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PendingRunsOptions) {}

  get size(): number {
    return this.byTrace.size;
  }
  get(traceId: string): Pending | undefined {
    return this.byTrace.get(traceId);
  }
  /** Oldest first. */
  values(): IterableIterator<Pending> {
    return this.byTrace.values();
  }

  /** Starts the run's wait (judged or resumed now). */
  add(run: Pending): void {
    this.byTrace.set(run.traceId, run);
    if (this.timer === undefined) this.arm();
  }
  delete(run: Pending): void {
    if (this.byTrace.get(run.traceId) === run) this.byTrace.delete(run.traceId);
    if (this.byTrace.size === 0) this.disarm();
  }
  /** Removes every run, oldest first, handing each to `each`. */
  drain(each: (run: Pending) => void): void {
    this.disarm();
    const all = [...this.byTrace.values()];
    this.byTrace.clear();
    all.forEach(each);
  }

  private deadlineOf(run: Pending): number {
    return (run.restored?.resumedMono ?? run.startMono) + this.options.timeoutMs;
  }
  /** For the oldest run's deadline; firing early (that run settled first) costs one look and a new timer. */
  private arm(): void {
    const oldest = this.byTrace.values().next().value;
    if (oldest === undefined) return;
    this.timer = setTimeout(this.sweep, Math.max(0, this.deadlineOf(oldest) - this.options.mono()));
    this.timer.unref(); // deadlines alone do not keep the process up: the server does
  }
  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
  private readonly sweep = (): void => {
    this.timer = undefined;
    const now = this.options.mono();
    for (const run of this.byTrace.values()) {
      if (this.deadlineOf(run) > now) break;
      this.byTrace.delete(run.traceId);
      this.options.onExpire(run);
    }
    if (this.timer === undefined) this.arm();
  };
}
