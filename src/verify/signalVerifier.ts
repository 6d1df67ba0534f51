import { ReadError, type Hit, type Reader, type Waiting } from '../readers/types';
import type { SmokeRun } from '../smoke/types';
import type { VerifyReason } from '../vocabulary';
import { errored, missing, verified, type Finding, type SignalVerifier } from './types';

interface Entry {
  readonly run: SmokeRun;
  readonly done: (finding: Finding) => void;
}

/** One reader and the runs waiting at it, by trace id, oldest first. */
class Hop implements Waiting {
  readonly entries = new Map<string, Entry>();
  reading = false;
  /** Why the last read failed as a whole; cleared by a read that works. */
  lastError: { reason: VerifyReason; detail: string } | undefined;

  constructor(readonly reader: Reader) {}

  get size() {
    return this.entries.size;
  }
  get(traceId: string) {
    return this.entries.get(traceId)?.run;
  }
  *runs() {
    for (const entry of this.entries.values()) yield entry.run;
  }
}

/**
 * Reads one signal back through a chain of readers, each a hop the signal must reach (the
 * exporter's acknowledgement, then the trace store). A run is verified when the last hop finds it;
 * the first hop that fails it names the reason. One timer polls every hop for all waiting runs.
 */
export function createSignalVerifier(o: { readers: readonly Reader[]; pollMs: number; readTimeoutMs?: number }): SignalVerifier {
  if (o.readers.length === 0) throw new RangeError('a signal verifier needs at least one reader');
  const hops = o.readers.map((r) => new Hop(r));
  const readTimeoutMs = o.readTimeoutMs ?? Math.max(1000, o.pollMs * 4);
  let stopped = false;

  function onHit(index: number, run: SmokeRun, hit: Hit): void {
    const hop = hops[index] as Hop;
    const entry = hop.entries.get(run.traceId);
    if (!entry) return; // decided already (expired, or an earlier answer)
    hop.entries.delete(run.traceId);
    const { backend } = hop.reader;
    if ('reason' in hit) return entry.done(errored(hit.reason, backend, hit.detail));
    const next = hops[index + 1];
    if (next) next.entries.set(run.traceId, entry);
    else entry.done(verified(run, hit.atMs, backend));
  }

  async function poll(index: number): Promise<void> {
    const hop = hops[index] as Hop;
    if (!hop.reader.read || hop.reading || hop.size === 0 || stopped) return;
    hop.reading = true;
    try {
      await hop.reader.read(hop, (run, hit) => onHit(index, run, hit), AbortSignal.timeout(readTimeoutMs));
      hop.lastError = undefined;
    } catch (err) {
      hop.lastError = { reason: err instanceof ReadError ? err.reason : 'query_failed', detail: (err as Error).message };
    } finally {
      hop.reading = false;
    }
  }

  hops.forEach((hop, i) => hop.reader.attach?.(hop, (run, hit) => onHit(i, run, hit)));
  const timer = setInterval(() => hops.forEach((_, i) => void poll(i)), o.pollMs);
  timer.unref();

  return {
    verify(run, done) {
      const first = hops[0] as Hop;
      const standing = first.reader.standingFailure?.();
      if (standing) return done(errored(standing.reason, first.reader.backend, standing.detail));
      first.entries.set(run.traceId, { run, done });
    },
    expire(run) {
      for (const hop of hops) {
        if (!hop.entries.delete(run.traceId)) continue;
        const { backend, missingReason } = hop.reader;
        const failure = hop.reader.standingFailure?.() ?? hop.lastError;
        return failure ? errored(failure.reason, backend, failure.detail) : missing(missingReason, backend);
      }
      return missing('timeout');
    },
    get waiting() {
      return hops.reduce((n, hop) => n + hop.size, 0);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      for (const hop of hops) hop.entries.clear();
      await Promise.all(o.readers.map((r) => r.close?.()));
    },
  };
}
