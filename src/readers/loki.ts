import { verificationTraceId } from './logFile';
import type { Connection } from './connection';
import { HttpError, parseJson } from './httpClient';
import type { SmokeRun } from '../smoke/types';
import { searchedStore } from './searchedStore';
import { connect } from './connection';
import type { PolledReader, Store } from './types';
import { ANSWER_LIMITS } from './limits';

/** Trace ids per LogQL query: one query serves many waiting runs. */
const PER_QUERY = 50;
/** Lines asked for per run: its line, and room for duplicates a shipper may send. */
const LINES_PER_RUN = 4;

/**
 * The LogQL that finds runs' verification lines by trace id: as structured metadata for records
 * ingested over OTLP (Loki keeps a record's trace_id there), or in the line text for shipped lines.
 */
export function runLogQuery(selector: string, match: 'metadata' | 'line', traceIds: readonly string[]): string {
  const ids = traceIds.join('|'); // hex only: nothing to escape
  return match === 'metadata' ? `${selector} | trace_id=~"${ids}"` : `${selector} |~ "${ids}"`;
}

type Labels = Record<string, unknown>;
/** A value's third element: flat structured metadata, or (categorize-labels encoding) grouped. */
type EntryMetadata = Labels & { structuredMetadata?: Labels; parsed?: Labels };
interface Streams {
  data?: { result?: { stream?: Labels; values?: [string, string, EntryMetadata?][] }[] };
}

/** The trace id of one returned line: structured metadata, either encoding; a stream label; or the line text. */
function traceIdOf(stream: Labels | undefined, line: unknown, metadata: EntryMetadata | undefined): string | undefined {
  const id = metadata?.structuredMetadata?.trace_id ?? metadata?.trace_id ?? stream?.trace_id;
  if (typeof id === 'string') return id;
  return typeof line === 'string' ? verificationTraceId(line) : undefined;
}

export interface LokiReaderOptions {
  connection: Connection;
  selector: string;
  match: 'metadata' | 'line';
  now: () => number;
}

/** Loki's query_range API (GET /loki/api/v1/query_range), forward, over the time since the oldest waiting run. */
export function lokiReader(options: LokiReaderOptions): PolledReader {
  /** The trace ids of the verification lines Loki holds for these runs between `fromMs` and `toMs`. */
  async function stored(runs: readonly SmokeRun[], fromMs: number, toMs: number, signal: AbortSignal) {
    const limit = runs.length * LINES_PER_RUN;
    const query = new URLSearchParams({
      query: runLogQuery(
        options.selector,
        options.match,
        runs.map((r) => r.traceId),
      ),
      start: String(BigInt(fromMs) * 1_000_000n),
      end: String(BigInt(toMs) * 1_000_000n),
      direction: 'forward',
      limit: String(limit),
    });
    const { body } = await options.connection.get(`/loki/api/v1/query_range?${query}`, {
      signal,
      maxBytes: ANSWER_LIMITS.loki.maxBytes,
    });
    const answer = parseJson<Streams>(body);
    const found = new Set<string>();
    // Loki returns at most `limit` lines: more is not an answer to this query.
    let lines = 0;
    for (const stream of Array.isArray(answer.data?.result) ? answer.data.result : []) {
      for (const value of Array.isArray(stream?.values) ? stream.values : []) {
        if ((lines += 1) > limit)
          throw new HttpError('malformed', `the answer holds more than the ${limit} lines asked for`);
        const traceId = Array.isArray(value) ? traceIdOf(stream.stream, value[1], value[2]) : undefined;
        if (traceId !== undefined) found.add(traceId);
      }
    }
    return found;
  }
  return {
    backend: 'loki',
    asked: `${options.connection.shown}/loki/api/v1/query_range for ${runLogQuery(options.selector, options.match, ['<trace id>'])}`,
    missingReason: 'not_found',
    ...searchedStore(stored, PER_QUERY, options.now),
  };
}

/** The log signal, from Loki: verify.log.loki. */
export const lokiStore: Store = {
  signal: 'log',
  readers: ({ log: { loki } }, { now }) =>
    loki.url
      ? [
          lokiReader({
            connection: connect(loki.url, loki, 'verify.log.loki'),
            selector: loki.selector,
            match: loki.match,
            now,
          }),
        ]
      : [],
};
