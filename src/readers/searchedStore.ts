import type { SmokeRun } from '../smoke/types';
import type { Reader } from './types';

/** A store's answer: which of these runs' trace ids it holds between `fromMs` and `toMs`. */
export type FindStored = (
  runs: readonly SmokeRun[],
  fromMs: number,
  toMs: number,
  signal: AbortSignal,
) => Promise<Set<string>>;

/** How far either side of a run's time a store is asked about it: clocks and ingestion times differ. */
const SLACK_MS = 60_000;

/**
 * Reading a store that is searched rather than fetched by id (Loki's LogQL, Tempo's TraceQL): the
 * waiting runs go `perQuery` at a time, each batch over the time since its oldest run; a recheck
 * asks about one run between its start and its verification.
 */
export function searchedStore(
  find: FindStored,
  perQuery: number,
  now: () => number,
): Required<Pick<Reader, 'read' | 'recheck'>> {
  return {
    async read(waiting, report, signal) {
      const runs = [...waiting.runs()];
      for (let i = 0; i < runs.length; i += perQuery) {
        const batch = runs.slice(i, i + perQuery);
        const found = await find(
          batch,
          Math.min(...batch.map((r) => r.startedAt.getTime())) - SLACK_MS,
          now() + SLACK_MS,
          signal,
        );
        const atMs = now();
        for (const run of batch) if (found.has(run.traceId)) report(run, { atMs });
      }
    },
    recheck: async (run, verifiedAtMs, signal) =>
      (await find([run], run.startedAt.getTime() - SLACK_MS, verifiedAtMs + SLACK_MS, signal)).has(run.traceId),
  };
}
