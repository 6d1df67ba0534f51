import { verificationTraceId } from './logFile';
import type { Connection } from './connection';
import type { SmokeRun } from '../smoke/types';
import { searchedStore } from './searchedStore';
import type { Reader } from './types';

const MAX_ANSWER_BYTES = 4 << 20;
/** Trace ids per LogQL query: one query serves many waiting runs. */
const PER_QUERY = 50;

/**
 * The LogQL that finds runs' verification lines by trace id: as structured metadata for records
 * ingested over OTLP (Loki keeps a record's trace_id there), or in the line text for shipped lines.
 */
export function runLogQuery(selector: string, match: 'metadata' | 'line', traceIds: readonly string[]): string {
  const ids = traceIds.join('|'); // hex only: nothing to escape
  return match === 'metadata' ? `${selector} | trace_id=~"${ids}"` : `${selector} |~ "${ids}"`;
}

interface Streams {
  data?: { result?: { stream?: Record<string, string>; values?: [string, string, Record<string, string>?][] }[] };
}

/** Loki's query_range API (GET /loki/api/v1/query_range), forward, over the time since the oldest waiting run. */
export function lokiReader(o: {
  connection: Connection;
  selector: string;
  match: 'metadata' | 'line';
  now: () => number;
}): Reader {
  /** The trace ids of the verification lines Loki holds for these runs between `fromMs` and `toMs`. */
  async function stored(
    runs: readonly SmokeRun[],
    fromMs: number,
    toMs: number,
    signal: AbortSignal,
  ): Promise<Set<string>> {
    const query = new URLSearchParams({
      query: runLogQuery(
        o.selector,
        o.match,
        runs.map((r) => r.traceId),
      ),
      start: String(BigInt(fromMs) * 1_000_000n),
      end: String(BigInt(toMs) * 1_000_000n),
      direction: 'forward',
      limit: String(runs.length * 4),
    });
    const perRequest = AbortSignal.any([signal, AbortSignal.timeout(o.connection.timeoutMs)]);
    const { body } = await o.connection.getJson<Streams>(`/loki/api/v1/query_range?${query}`, {
      signal: perRequest,
      maxBytes: MAX_ANSWER_BYTES,
    });
    const found = new Set<string>();
    for (const stream of body.data?.result ?? []) {
      for (const [, line, metadata] of stream.values ?? []) {
        const traceId = metadata?.trace_id ?? stream.stream?.trace_id ?? verificationTraceId(line);
        if (traceId !== undefined) found.add(traceId);
      }
    }
    return found;
  }
  return { backend: 'loki', missingReason: 'not_found', ...searchedStore(stored, PER_QUERY, o.now) };
}
