import { httpGet } from './httpClient';
import type { Reader } from './types';

const MAX_ANSWER_BYTES = 8 << 20;

/**
 * A trace store's by-id API: Tempo and Jaeger both answer GET /api/traces/<id>, 404 until stored.
 * One request per waiting run: the by-id API takes one id at a time.
 */
export function traceApiReader(o: { url: string; now: () => number }): Reader {
  const base = o.url.replace(/\/+$/, '');
  return {
    backend: 'trace_api',
    missingReason: 'not_found',
    async read(waiting, report, signal) {
      for (const run of [...waiting.runs()]) {
        const { status } = await httpGet(`${base}/api/traces/${run.traceId}`, { signal, maxBytes: MAX_ANSWER_BYTES, accept: [404] });
        if (status !== 404) report(run, { atMs: o.now() });
      }
    },
  };
}
