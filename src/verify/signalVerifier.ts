import { deadlineSignal } from '../readers/deadline';
import { ReadError, type Failure, type Reader, type Waiting } from '../readers/types';
import type { MonoClock } from '../smoke/types';
import type { Signal } from '../vocabulary';
import type { Pending } from './pending';
import type { PendingRuns } from './pendingRuns';
import { errored, missing, verified, type Finding } from './types';

/** The first hop a run waiting with these hops found has not found yet: the lowest bit not set. */
const hopOf = (found: number) => 31 - Math.clz32(~found & (found + 1));

/** One reader and the runs it is asked about. */
class Hop implements Waiting {
  /** How many runs have reached this hop and wait here. */
  size = 0;
  /** The read in progress, if any: reads never overlap. */
  reading: Promise<void> | undefined;
  /** Why the last read failed as a whole; cleared by a read that works. */
  lastError: Failure | undefined;

  constructor(
    readonly reader: Reader,
    readonly index: number,
    private readonly signal: Signal,
    private readonly pending: PendingRuns,
  ) {}

  /** Any run this hop has not found yet, reached or not: a stream (a file tail, an exporter's
   * answers) must match what passes by, whichever hop the run is waiting at. */
  get(traceId: string) {
    const run = this.pending.get(traceId);
    const found = run?.state(this.signal);
    return typeof found === 'number' && (found & (1 << this.index)) === 0 ? run : undefined;
  }
  /** The runs waiting at this hop, oldest first. */
  *runs() {
    for (const run of this.pending.values()) {
      const found = run.state(this.signal);
      if (typeof found === 'number' && hopOf(found) === this.index) yield run;
    }
  }
}

/**
 * Reads one signal of each run back. `verify` leads to one `onFinding` (given at construction) if a
 * reader decides (found, or a failure waiting will not cure); the judge owns the deadline and asks
 * `expire` for the reason a run was not found in time.
 */
export interface SignalVerifier {
  /** `confirmed`: which hops had found the run before a restart (the state file). */
  verify(run: Pending, confirmed?: readonly boolean[]): void;
  expire(run: Pending): Finding;
  /** Which hops have found a waiting run so far (for the state file); undefined when not waiting. */
  progress(run: Pending): readonly boolean[] | undefined;
  /** Reads every hop once now, and resolves when the reads are done (the drain's last look). */
  readNow(): Promise<void>;
  /** Stops reading; runs still waiting are dropped without a call (the judge settles them). */
  stop(): Promise<void>;
  readonly waiting: number;
}

export interface SignalVerifierOptions {
  readonly signal: Signal;
  readonly readers: readonly Reader[];
  readonly pollMs: number;
  /** One read's time limit (it may look up many runs, one request at a time). */
  readonly readTimeoutMs?: number;
  readonly mono: MonoClock;
  /** The runs awaiting verdicts, every signal's: the verifier keeps its signal's state on each. */
  readonly pending: PendingRuns;
  /** Called once per run, when a reader decides (found, or a failure waiting will not cure); it
   * records the finding on the run (`Pending.decide`), which ends the wait for this signal. */
  readonly onFinding: (run: Pending, finding: Finding) => void;
}

/**
 * Reads one signal back through a chain of readers, each a hop the signal must reach (written,
 * exported, stored). A run is verified when every hop has found it, in whatever order they did;
 * the first hop that fails it names the reason. One timer polls every hop for all waiting runs, and
 * a waiting run costs a few bits on its pending entry (which hops found it), nothing here.
 */
export function createSignalVerifier(options: SignalVerifierOptions): SignalVerifier {
  if (options.readers.length === 0) throw new RangeError('a signal verifier needs at least one reader');
  const { signal, pending } = options;
  const hops = options.readers.map((r, i) => new Hop(r, i, signal, pending));
  const readTimeoutMs = options.readTimeoutMs ?? Math.max(1000, options.pollMs * 4);
  const first = hops[0] as Hop;
  const last = hops[hops.length - 1] as Hop;
  const all = (1 << hops.length) - 1;
  let stopped = false;
  const waiting = () => hops.reduce((n, hop) => n + hop.size, 0);

  /** Moves the run to the first hop that has not found it; verified past the last. */
  function advance(run: Pending, found: number): void {
    if (found === all)
      return options.onFinding(run, verified((options.mono() - run.startMono) / 1000, last.reader.backend));
    run.setState(signal, found);
    (hops[hopOf(found)] as Hop).size += 1;
  }

  function onReport(hop: Hop, traceId: string, failure: Failure | undefined): void {
    const run = pending.get(traceId);
    const found = run?.state(signal);
    if (!run || typeof found !== 'number' || (found & (1 << hop.index)) !== 0) return; // decided already, or an echo
    const at = hops[hopOf(found)] as Hop;
    if (failure) {
      at.size -= 1;
      return options.onFinding(run, errored(failure.reason, hop.reader.backend, failure.detail));
    }
    if (hop !== at) return run.setState(signal, found | (1 << hop.index)); // found ahead of its turn
    at.size -= 1;
    advance(run, found | (1 << hop.index));
  }

  function poll(hop: Hop): Promise<void> {
    const { reader } = hop;
    if (reader.kind === 'pushed' || hop.reading || stopped) return hop.reading ?? Promise.resolve();
    // A stream reads for every run not yet past it; a polled reader only for those that reached it.
    if (reader.kind === 'polled' ? hop.size === 0 : waiting() === 0) return Promise.resolve();
    const deadline = deadlineSignal(readTimeoutMs);
    hop.reading = reader
      .read(hop, (run, failure) => onReport(hop, run.traceId, failure), deadline.signal)
      .then(
        () => void (hop.lastError = undefined),
        (err: unknown) => {
          const reason = err instanceof ReadError ? err.reason : 'query_failed';
          hop.lastError = { reason, detail: (err as Error).message };
        },
      );
    return hop.reading.finally(() => {
      deadline.clear();
      hop.reading = undefined;
    });
  }

  for (const hop of hops) {
    if (hop.reader.kind === 'pushed') hop.reader.attach(hop, (run, failure) => onReport(hop, run.traceId, failure));
  }
  const timer = setInterval(() => hops.forEach((hop) => void poll(hop)), options.pollMs);
  timer.unref();
  const standing = (hop: Hop) => (hop.reader.kind === 'stream' ? hop.reader.standingFailure() : undefined);

  return {
    verify(run, confirmed) {
      const failure = confirmed?.[0] ? undefined : standing(first);
      if (failure) return options.onFinding(run, errored(failure.reason, first.reader.backend, failure.detail));
      advance(
        run,
        hops.reduce((found, _, i) => (confirmed?.[i] ? found | (1 << i) : found), 0),
      );
    },
    progress(run) {
      const found = run.state(signal);
      return typeof found === 'number' ? hops.map((_, i) => (found & (1 << i)) !== 0) : undefined;
    },
    // A read already under way may have started before the last answers came in: wait for it, then read again.
    readNow: async () => void (await Promise.all(hops.map(async (hop) => (await hop.reading, await poll(hop))))),
    expire(run) {
      const found = run.state(signal);
      if (typeof found !== 'number') return missing('timeout');
      const hop = hops[hopOf(found)] as Hop;
      hop.size -= 1;
      const { backend, missingReason, asked } = hop.reader;
      const failure = standing(hop) ?? hop.lastError;
      if (failure) return errored(failure.reason, backend, failure.detail);
      const more = hop.reader.explain?.();
      return missing(missingReason, backend, `${more ? `${more}; ` : ''}asked ${asked}`);
    },
    get waiting() {
      return waiting();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      for (const hop of hops) hop.size = 0;
      await Promise.all(options.readers.map((r) => r.close?.()));
    },
  };
}
