import type { Clock } from '../smoke/types';
import { METRIC } from '../vocabulary';
import type { Connection } from './connection';
import { counterReader } from './counter';
import { HttpError } from './httpClient';
import type { Reader } from './types';

/** The PromQL that reads this instance's runs. */
export const runsQuery = (selector: string) => `sum(${METRIC.runs}{${selector}})`;

const MAX_ANSWER_BYTES = 1 << 20;

/**
 * A Prometheus-compatible instant-query API (Prometheus, VictoriaMetrics, Mimir or Thanos behind
 * `pathPrefix`), scoped to this instance by label matchers.
 */
export function prometheusReader(o: {
  connection: Connection;
  pathPrefix: string;
  selector: string;
  now: Clock;
}): Reader {
  /** One instant query's single value (0: no series, nothing scraped). */
  async function instant(promql: string, atMs: number | undefined, signal: AbortSignal): Promise<number> {
    const params = new URLSearchParams({
      query: promql,
      ...(atMs === undefined ? {} : { time: (atMs / 1000).toFixed(3) }),
    });
    const perRequest = AbortSignal.any([signal, AbortSignal.timeout(o.connection.timeoutMs)]);
    const { body: answer } = await o.connection.getJson<{
      status?: string;
      data?: { result?: { value?: [number, string] }[] };
    }>(`${o.pathPrefix}/api/v1/query?${params}`, {
      signal: perRequest,
      maxBytes: MAX_ANSWER_BYTES,
    });
    if (answer.status !== 'success') throw new HttpError('malformed', `query status ${String(answer.status)}`);
    const sample = answer.data?.result?.[0]?.value?.[1];
    return sample === undefined ? 0 : Number(sample);
  }
  return counterReader({
    backend: 'prometheus',
    now: o.now,
    readCounter: (signal) => instant(runsQuery(o.selector), undefined, signal),
    // A restored run counts in its own process's counter: the highest each series reached between the
    // run and the restart (samples after it are the new process's, whose counter starts again at 0).
    readEarlier: (run, signal) => {
      const windowS = Math.ceil(((run.restoredAtMs ?? o.now()) - run.startedAt.getTime()) / 1000) + 60;
      return instant(`sum(max_over_time(${METRIC.runs}{${o.selector}}[${windowS}s]))`, run.restoredAtMs, signal);
    },
    // The counter as the store holds it for the time the run was verified: gone if the data is.
    readAt: (atMs, signal) => instant(runsQuery(o.selector), atMs, signal),
  });
}
