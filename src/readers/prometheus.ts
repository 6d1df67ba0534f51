import type { Clock } from '../smoke/types';
import { METRIC } from '../vocabulary';
import { counterReader } from './counter';
import { httpGet, parseJson } from './httpClient';
import type { Reader } from './types';

/** The PromQL that reads this instance's runs. */
export const runsQuery = (selector: string) => `sum(${METRIC.runs}{${selector}})`;

const MAX_ANSWER_BYTES = 1 << 20;

/** Prometheus' instant-query API, scoped to this instance by label matchers. */
export function prometheusReader(o: { url: string; selector: string; now: Clock }): Reader {
  const api = `${o.url.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(runsQuery(o.selector))}`;
  return counterReader({
    backend: 'prometheus',
    now: o.now,
    async readCounter(signal) {
      const { body } = await httpGet(api, { signal, maxBytes: MAX_ANSWER_BYTES });
      const answer = parseJson<{ status?: string; data?: { result?: { value?: [number, string] }[] } }>(body);
      if (answer.status !== 'success') throw new Error(`Prometheus query status ${String(answer.status)}`);
      const sample = answer.data?.result?.[0]?.value?.[1];
      return sample === undefined ? 0 : Number(sample); // no series yet: nothing scraped
    },
  });
}
