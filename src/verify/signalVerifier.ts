import { ReadError, type Hit, type Reader, type Waiting } from '../readers/types';
import type { SmokeRun } from '../smoke/types';
import type { VerifyReason } from '../vocabulary';
import { errored, missing, verified, type Finding, type SignalVerifier } from './types';

interface Entry {
  readonly run: SmokeRun;
  readonly done: (finding: Finding) => void;
  /** The first hop not confirmed yet. */
  hop: number;
  /** When each hop confirmed the run; a later hop may confirm before an earlier one does. */
  readonly foundAt: (number | undefined)[];
}

/** One reader and the runs it is asked about. */
class Hop implements Waiting {
  /** The runs that have reached this hop (what a query reader looks up), oldest first. */
  readonly here = new Map<string, Entry>();
  /** The read in progress, if any: reads never overlap. */
  reading: Promise<void> | undefined;
  /** Why the last read failed as a whole; cleared by a read that works. */
  lastError: { reason: VerifyReason; detail: string } | undefined;

  constructor(
    readonly reader: Reader,
    readonly index: number,
    private readonly all: ReadonlyMap<string, Entry>,
  ) {}

  get size() {
    return this.here.size;
  }
  /** Any run this hop has not confirmed yet, reached or not: a stream (a file tail, an exporter's
   * answers) must match what passes by, whichever hop the run is waiting at. */
  get(traceId: string) {
    const entry = this.all.get(traceId);
    return entry && entry.foundAt[this.index] === undefined ? entry.run : undefined;
  }
  *runs() {
    for (const entry of this.here.values()) yield entry.run;
  }
}

/**
 * Reads one signal back through a chain of readers, each a hop the signal must reach (written,
 * exported, stored). A run is verified when every hop has found it, in whatever order they did;
 * the first hop that fails it names the reason. One timer polls every hop for all waiting runs.
 */
export function createSignalVerifier(o: {
  readers: readonly Reader[];
  pollMs: number;
  readTimeoutMs?: number;
}): SignalVerifier {
  if (o.readers.length === 0) throw new RangeError('a signal verifier needs at least one reader');
  const entries = new Map<string, Entry>();
  const hops = o.readers.map((r, i) => new Hop(r, i, entries));
  const readTimeoutMs = o.readTimeoutMs ?? Math.max(1000, o.pollMs * 4);
  let stopped = false;

  function finish(entry: Entry, finding: Finding): void {
    entries.delete(entry.run.traceId);
    hops[entry.hop]?.here.delete(entry.run.traceId);
    entry.done(finding);
  }

  /** Moves the run past every hop that has confirmed it; verified past the last. */
  function advance(entry: Entry): void {
    hops[entry.hop]?.here.delete(entry.run.traceId);
    if (!entries.has(entry.run.traceId)) return;
    while (entry.hop < hops.length && entry.foundAt[entry.hop] !== undefined) entry.hop += 1;
    const next = hops[entry.hop];
    if (next) return void next.here.set(entry.run.traceId, entry);
    entries.delete(entry.run.traceId);
    const last = hops[hops.length - 1] as Hop;
    entry.done(verified(entry.run, Math.max(...(entry.foundAt as number[])), last.reader.backend));
  }

  function onHit(hop: Hop, run: SmokeRun, hit: Hit): void {
    const entry = entries.get(run.traceId);
    if (!entry || entry.foundAt[hop.index] !== undefined) return; // decided already, or an echo
    if ('reason' in hit) return finish(entry, errored(hit.reason, hop.reader.backend, hit.detail));
    entry.foundAt[hop.index] = hit.atMs;
    if (hop.index === entry.hop) advance(entry);
  }

  function poll(hop: Hop): Promise<void> {
    const { read } = hop.reader;
    if (!read || hop.reading || stopped) return hop.reading ?? Promise.resolve();
    // A stream reader reads for every run not yet past it; a query reader only for those that reached it.
    if (entries.size === 0 || (hop.size === 0 && hop.index > 0 && !streaming(hop))) return Promise.resolve();
    hop.reading = read(hop, (run, hit) => onHit(hop, run, hit), AbortSignal.timeout(readTimeoutMs)).then(
      () => void (hop.lastError = undefined),
      (err: unknown) =>
        void (hop.lastError = {
          reason: err instanceof ReadError ? err.reason : 'query_failed',
          detail: (err as Error).message,
        }),
    );
    return hop.reading.finally(() => (hop.reading = undefined));
  }
  const streaming = (hop: Hop) => hop.reader.stream === true;

  hops.forEach((hop) => hop.reader.attach?.(hop, (run, hit) => onHit(hop, run, hit)));
  const timer = setInterval(() => hops.forEach((hop) => void poll(hop)), o.pollMs);
  timer.unref();

  return {
    verify(run, done, foundAt) {
      const first = hops[0] as Hop;
      const standing = first.reader.standingFailure?.();
      if (standing && !foundAt?.[0]) return done(errored(standing.reason, first.reader.backend, standing.detail));
      const entry: Entry = { run, done, hop: 0, foundAt: hops.map((_, i) => foundAt?.[i]) };
      entries.set(run.traceId, entry);
      advance(entry);
    },
    progress: (run) => entries.get(run.traceId)?.foundAt,
    // A read already under way may have started before the last answers came in: wait for it, then read again.
    readNow: async () => void (await Promise.all(hops.map(async (hop) => (await hop.reading, await poll(hop))))),
    expire(run) {
      const entry = entries.get(run.traceId);
      if (!entry) return missing('timeout');
      entries.delete(run.traceId);
      const hop = hops[entry.hop] as Hop;
      hop.here.delete(run.traceId);
      const { backend, missingReason } = hop.reader;
      const failure = hop.reader.standingFailure?.() ?? hop.lastError;
      return failure ? errored(failure.reason, backend, failure.detail) : missing(missingReason, backend);
    },
    get waiting() {
      return entries.size;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      entries.clear();
      for (const hop of hops) hop.here.clear();
      await Promise.all(o.readers.map((r) => r.close?.()));
    },
  };
}
