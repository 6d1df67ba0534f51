import type { SmokeRun } from '../smoke/types';
import type { PolledReader } from './types';

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
 * asks about one run between its start and its verification. Windows are wall time, as the store
 * keeps it; one never ends before its newest run (a clock stepped back must not empty it).
 */
export function searchedStore(
  find: FindStored,
  perQuery: number,
  now: () => number,
): Pick<PolledReader, 'kind' | 'read' | 'recheck'> {
  return {
    kind: 'polled',
    async read(waiting, report, signal) {
      const runs = [...waiting.runs()];
      for (let i = 0; i < runs.length; i += perQuery) {
        const batch = runs.slice(i, i + perQuery);
        const starts = batch.map((r) => r.startedAt.getTime());
        const found = await find(batch, Math.min(...starts) - SLACK_MS, Math.max(now(), ...starts) + SLACK_MS, signal);
        for (const run of batch) if (found.has(run.traceId)) report(run);
      }
    },
    recheck: async (run, verifiedAtMs, signal) => {
      const startMs = run.startedAt.getTime();
      return (await find([run], startMs - SLACK_MS, Math.max(verifiedAtMs, startMs) + SLACK_MS, signal)).has(
        run.traceId,
      );
    },
  };
}
