import { deadlineSignal } from '../readers/httpClient';
import { ReadError, type Failure, type Reader, type Waiting } from '../readers/types';
import type { MonoClock } from '../smoke/types';
import { errored, missing, verified, type Awaited, type Finding, type SignalVerifier } from './types';

interface Entry<T extends Awaited> {
  readonly awaited: T;
  /** The first hop not confirmed yet. */
  hop: number;
  /** When each hop confirmed the run (monotonic ms); a later hop may confirm before an earlier one does. */
  readonly foundAt: (number | undefined)[];
}

/** One reader and the runs it is asked about. */
class Hop<T extends Awaited> implements Waiting {
  /** The runs that have reached this hop (what a query reader looks up), oldest first. */
  readonly here = new Map<string, Entry<T>>();
  /** The read in progress, if any: reads never overlap. */
  reading: Promise<void> | undefined;
  /** Why the last read failed as a whole; cleared by a read that works. */
  lastError: Failure | undefined;

  constructor(
    readonly reader: Reader,
    readonly index: number,
    private readonly all: ReadonlyMap<string, Entry<T>>,
  ) {}

  get size() {
    return this.here.size;
  }
  /** Any run this hop has not confirmed yet, reached or not: a stream (a file tail, an exporter's
   * answers) must match what passes by, whichever hop the run is waiting at. */
  get(traceId: string) {
    const entry = this.all.get(traceId);
    return entry && entry.foundAt[this.index] === undefined ? entry.awaited.run : undefined;
  }
  *runs() {
    for (const entry of this.here.values()) yield entry.awaited.run;
  }
}

export interface SignalVerifierOptions<T extends Awaited> {
  readonly readers: readonly Reader[];
  readonly pollMs: number;
  /** One read's time limit (it may look up many runs, one request at a time). */
  readonly readTimeoutMs?: number;
  readonly mono: MonoClock;
  /** Called once per run, when a reader decides (found, or a failure waiting will not cure). */
  readonly onFinding: (awaited: T, finding: Finding) => void;
}

/**
 * Reads one signal back through a chain of readers, each a hop the signal must reach (written,
 * exported, stored). A run is verified when every hop has found it, in whatever order they did;
 * the first hop that fails it names the reason. One timer polls every hop for all waiting runs, and
 * a waiting run costs an entry, not a closure or a promise.
 */
export function createSignalVerifier<T extends Awaited>(options: SignalVerifierOptions<T>): SignalVerifier<T> {
  if (options.readers.length === 0) throw new RangeError('a signal verifier needs at least one reader');
  const entries = new Map<string, Entry<T>>();
  const hops = options.readers.map((r, i) => new Hop<T>(r, i, entries));
  const readTimeoutMs = options.readTimeoutMs ?? Math.max(1000, options.pollMs * 4);
  const first = hops[0] as Hop<T>;
  const last = hops[hops.length - 1] as Hop<T>;
  let stopped = false;

  function finish(entry: Entry<T>, finding: Finding): void {
    entries.delete(entry.awaited.run.traceId);
    hops[entry.hop]?.here.delete(entry.awaited.run.traceId);
    options.onFinding(entry.awaited, finding);
  }

  /** Moves the run past every hop that has confirmed it; verified past the last. */
  function advance(entry: Entry<T>): void {
    const traceId = entry.awaited.run.traceId;
    hops[entry.hop]?.here.delete(traceId);
    while (entry.hop < hops.length && entry.foundAt[entry.hop] !== undefined) entry.hop += 1;
    const next = hops[entry.hop];
    if (next) return void next.here.set(traceId, entry);
    entries.delete(traceId);
    const foundMono = Math.max(...(entry.foundAt as number[]));
    options.onFinding(entry.awaited, verified((foundMono - entry.awaited.startMono) / 1000, last.reader.backend));
  }

  function onReport(hop: Hop<T>, traceId: string, failure: Failure | undefined): void {
    const entry = entries.get(traceId);
    if (!entry || entry.foundAt[hop.index] !== undefined) return; // decided already, or an echo
    if (failure) return finish(entry, errored(failure.reason, hop.reader.backend, failure.detail));
    entry.foundAt[hop.index] = options.mono();
    if (hop.index === entry.hop) advance(entry);
  }

  function poll(hop: Hop<T>): Promise<void> {
    const { reader } = hop;
    if (reader.kind === 'pushed' || hop.reading || stopped) return hop.reading ?? Promise.resolve();
    // A stream reads for every run not yet past it; a polled reader only for those that reached it.
    if (entries.size === 0 || (reader.kind === 'polled' && hop.size === 0)) return Promise.resolve();
    const report = (run: T['run'], failure?: Failure) => onReport(hop, run.traceId, failure);
    const deadline = deadlineSignal(readTimeoutMs);
    hop.reading = reader.read(hop, report, deadline.signal).then(
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
  const standing = (hop: Hop<T>) => (hop.reader.kind === 'stream' ? hop.reader.standingFailure() : undefined);

  return {
    verify(awaited, confirmed) {
      const failure = confirmed?.[0] ? undefined : standing(first);
      if (failure) return options.onFinding(awaited, errored(failure.reason, first.reader.backend, failure.detail));
      const atRestore = options.mono();
      const entry: Entry<T> = {
        awaited,
        hop: 0,
        foundAt: hops.map((_, i) => (confirmed?.[i] ? atRestore : undefined)),
      };
      entries.set(awaited.run.traceId, entry);
      advance(entry);
    },
    progress: (run) => entries.get(run.traceId)?.foundAt.map((at) => at !== undefined),
    // A read already under way may have started before the last answers came in: wait for it, then read again.
    readNow: async () => void (await Promise.all(hops.map(async (hop) => (await hop.reading, await poll(hop))))),
    expire(run) {
      const entry = entries.get(run.traceId);
      if (!entry) return missing('timeout');
      entries.delete(run.traceId);
      const hop = hops[entry.hop] as Hop<T>;
      hop.here.delete(run.traceId);
      const { backend, missingReason, asked } = hop.reader;
      const failure = standing(hop) ?? hop.lastError;
      if (failure) return errored(failure.reason, backend, failure.detail);
      const more = hop.reader.explain?.();
      return missing(missingReason, backend, `${more ? `${more}; ` : ''}asked ${asked}`);
    },
    get waiting() {
      return entries.size;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      entries.clear();
      for (const hop of hops) hop.here.clear();
      await Promise.all(options.readers.map((r) => r.close?.()));
    },
  };
}
