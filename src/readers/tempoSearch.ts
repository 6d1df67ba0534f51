import { ATTR_RUN_ID } from '../vocabulary';
import type { Connection } from './connection';
import type { SmokeRun } from '../smoke/types';
import { searchedStore } from './searchedStore';
import { parseJson } from './httpClient';
import type { PolledReader } from './types';
import { ANSWER_LIMITS } from './limits';

/** Run ids per TraceQL query: one search serves many waiting runs. */
const PER_QUERY = 20;

/** A TraceQL regular expression matching exactly these run ids (their dots escaped). */
const anyOf = (ids: readonly string[]) => ids.map((id) => id.replace(/[.]/g, '\\\\.')).join('|');

/** The TraceQL that finds runs by the run id attribute of their span. */
export const runSearchQuery = (runIds: readonly string[]) => `{ span.${ATTR_RUN_ID} =~ "${anyOf(runIds)}" }`;

export interface TempoSearchReaderOptions {
  connection: Connection;
  now: () => number;
}

/**
 * Tempo's search (GET /api/search, TraceQL): proves the run span is indexed by its attributes, not
 * only stored by id. Run ids go in batches, over the time since the oldest waiting run.
 */
export function tempoSearchReader(options: TempoSearchReaderOptions): PolledReader {
  /** The trace ids Tempo's search finds for these runs' ids between `fromMs` and `toMs`. */
  async function search(
    runs: readonly SmokeRun[],
    fromMs: number,
    toMs: number,
    signal: AbortSignal,
  ): Promise<Set<string>> {
    const query = new URLSearchParams({
      q: runSearchQuery(runs.map((r) => r.id)),
      start: String(Math.floor(fromMs / 1000)),
      end: String(Math.ceil(toMs / 1000)),
      limit: String(runs.length * 2),
    });
    const { body } = await options.connection.get(`/api/search?${query}`, {
      signal,
      maxBytes: ANSWER_LIMITS.tempoSearch.maxBytes,
    });
    const traces = parseJson<{ traces?: unknown }>(body).traces;
    // Tempo writes trace ids without their leading zeros; it returns at most `limit` traces.
    const found = (Array.isArray(traces) ? traces : []).slice(0, runs.length * 2) as { traceID?: unknown }[];
    return new Set(found.map((t) => String(t?.traceID ?? '').padStart(32, '0')));
  }
  return {
    backend: 'tempo',
    asked: `${options.connection.shown}/api/search for ${runSearchQuery(['<run id>'])}`,
    missingReason: 'notfound_search',
    ...searchedStore(search, PER_QUERY, options.now),
  };
}
