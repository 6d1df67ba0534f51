import type { Backend } from '../vocabulary';
import type { SmokeRun } from '../smoke/types';
import type { Connection } from './connection';
import { parseJson } from './httpClient';
import { traceHolds } from './traceContent';
import type { Reader } from './types';

const MAX_ANSWER_BYTES = 8 << 20;
/** Lookups in flight at once: one per waiting run, but not all at once. */
const CONCURRENCY = 4;

/**
 * A trace store's by-id API: Tempo, Jaeger and a generic `queryUrl` all answer GET
 * /api/traces/<trace id>, 404 until stored. Found only when the answer holds the run span with
 * its run id and seq; a trace without it is `incomplete`.
 */
export function traceByIdReader(o: {
  backend: Extract<Backend, 'tempo' | 'jaeger' | 'trace_api'>;
  connection: Connection;
  now: () => number;
}): Reader {
  async function lookUp(run: SmokeRun, signal: AbortSignal) {
    const perRequest = AbortSignal.any([signal, AbortSignal.timeout(o.connection.timeoutMs)]);
    // 404: not stored (yet); its body is text in Tempo and JSON in Jaeger, and says nothing more.
    const { status, body } = await o.connection.get(`/api/traces/${run.traceId}`, {
      signal: perRequest,
      maxBytes: MAX_ANSWER_BYTES,
      accept: [404],
    });
    return status === 404 ? ({ state: 'absent' } as const) : traceHolds(parseJson(body), run);
  }
  return {
    backend: o.backend,
    missingReason: o.backend === 'trace_api' ? 'not_found' : 'notfound_byid',
    async read(waiting, report, signal) {
      const runs = [...waiting.runs()];
      const next = async (): Promise<void> => {
        const run = runs.shift();
        if (!run) return;
        const held = await lookUp(run, signal);
        if (held.state === 'found') report(run, { atMs: o.now() });
        else if (held.state === 'incomplete') report(run, { reason: 'incomplete', detail: held.detail });
        return next();
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, runs.length) }, next));
    },
    recheck: async (run, _verifiedAtMs, signal) => (await lookUp(run, signal)).state === 'found',
  };
}
