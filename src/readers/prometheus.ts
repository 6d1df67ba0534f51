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
export function prometheusReader(o: { connection: Connection; pathPrefix: string; selector: string; now: Clock }): Reader {
  const api = `${o.pathPrefix}/api/v1/query?query=${encodeURIComponent(runsQuery(o.selector))}`;
  return counterReader({
    backend: 'prometheus',
    now: o.now,
    async readCounter(signal) {
      const perRequest = AbortSignal.any([signal, AbortSignal.timeout(o.connection.timeoutMs)]);
      const { body: answer } = await o.connection.getJson<{ status?: string; data?: { result?: { value?: [number, string] }[] } }>(api, { signal: perRequest, maxBytes: MAX_ANSWER_BYTES });
      if (answer.status !== 'success') throw new HttpError('malformed', `query status ${String(answer.status)}`);
      const sample = answer.data?.result?.[0]?.value?.[1];
      return sample === undefined ? 0 : Number(sample); // no series yet: nothing scraped
    },
  });
}
