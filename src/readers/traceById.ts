import type { Backend } from '../vocabulary';
import type { SmokeRun } from '../smoke/types';
import { connect, OPEN_CONNECTION, type Connection } from './connection';
import { parseJson } from './httpClient';
import { traceHolds } from './traceContent';
import { tempoSearchReader } from './tempoSearch';
import type { PolledReader, Store } from './types';
import { ANSWER_LIMITS } from './limits';

/** Where each store's by-id API is: Tempo, Jaeger's UI API and a generic `queryUrl` at /api/traces; Jaeger v2's at /api/v3. */
export const TRACE_PATHS = { v1: '/api/traces/', v3: '/api/v3/traces/' } as const;

export interface TraceByIdReaderOptions {
  backend: Extract<Backend, 'tempo' | 'jaeger' | 'trace_api'>;
  connection: Connection;
  api?: keyof typeof TRACE_PATHS;
}

/**
 * A trace store's by-id API: GET <path><trace id>, 404 until stored. Found only when the answer holds
 * the run span with its run id and seq; a trace without it is `incomplete`.
 */
export function traceByIdReader(options: TraceByIdReaderOptions): PolledReader {
  const path = TRACE_PATHS[options.api ?? 'v1'];
  async function lookUp(run: SmokeRun, signal: AbortSignal) {
    // 404: not stored (yet); its body (empty in Tempo, text or JSON in Jaeger) says nothing more.
    const { status, body } = await options.connection.get(`${path}${run.traceId}`, {
      signal,
      maxBytes: ANSWER_LIMITS.traceById.maxBytes,
      accept: [404],
    });
    return status === 404 ? ({ state: 'absent' } as const) : traceHolds(parseJson(body), run);
  }
  return {
    kind: 'polled',
    backend: options.backend,
    asked: `${options.connection.shown}${path}<trace id>`,
    missingReason: options.backend === 'trace_api' ? 'not_found' : 'notfound_byid',
    async read(waiting, report, signal) {
      const runs = [...waiting.runs()];
      let taken = 0;
      let failed: unknown;
      // A few lookups at a time; the first failure stops the others taking more, and the read ends
      // only when every lookup has: the next poll never starts while lookups of this one are open.
      const next = async (): Promise<void> => {
        for (let run = runs[taken++]; run && failed === undefined; run = runs[taken++]) {
          try {
            const held = await lookUp(run, signal);
            if (held.state === 'found') report(run);
            else if (held.state === 'incomplete') report(run, { reason: 'incomplete', detail: held.detail });
          } catch (err) {
            failed ??= err;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(ANSWER_LIMITS.traceById.inFlight, runs.length) }, next));
      if (failed !== undefined) throw failed;
    },
    recheck: async (run, _verifiedAtMs, signal) => (await lookUp(run, signal)).state === 'found',
  };
}

/** The trace signal, from Tempo by id (and by TraceQL search): verify.traces.tempo. */
export const tempoStore: Store = {
  signal: 'trace',
  readers: ({ traces: { tempo } }, { now }) => {
    if (!tempo.url) return [];
    const connection = connect(tempo.url, tempo, 'verify.traces.tempo');
    const byId = traceByIdReader({ backend: 'tempo', connection });
    return tempo.search ? [byId, tempoSearchReader({ connection, now })] : [byId];
  },
};

/** The trace signal, from Jaeger by id: verify.traces.jaeger. */
export const jaegerStore: Store = {
  signal: 'trace',
  readers: ({ traces: { jaeger } }) =>
    jaeger.url
      ? [
          traceByIdReader({
            backend: 'jaeger',
            connection: connect(jaeger.url, jaeger, 'verify.traces.jaeger'),
            api: jaeger.api,
          }),
        ]
      : [],
};

/** The trace signal from a store by id, Tempo or Jaeger, with no tenant or credentials: verify.traces.queryUrl. */
export const traceApiStore: Store = {
  signal: 'trace',
  readers: ({ traces: { queryUrl } }) =>
    queryUrl
      ? [traceByIdReader({ backend: 'trace_api', connection: connect(queryUrl, OPEN_CONNECTION, 'verify.traces') })]
      : [],
};
