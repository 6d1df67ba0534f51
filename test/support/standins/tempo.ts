import { json, standIn, type StoreBehaviour } from './base';
import { spansOfRequest, type StoredSpan } from './otlpTraces';

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

/** A TraceQL string literal's text: `\\` and `\"` unescaped. */
const unquote = (s: string) => s.replace(/\\(.)/g, '$1');

/**
 * A Tempo stand-in (Tempo does not install here). It follows Tempo's HTTP API as documented for
 * Tempo 2.x: OTLP/HTTP in (POST /v1/traces, JSON encoding), trace by id out (GET /api/traces/<id>:
 * 200 with the trace as OTLP protobuf-JSON under `batches`, ids base64; 404 when not stored), and
 * TraceQL search (GET /api/search?q=&start=&end=&limit=: `{"traces":[{"traceID", ...}]}`, trace ids
 * without leading zeros) for the one spanset filter the daemon writes:
 * `{ span.<attribute> = "<value>" }` or `=~ "<regex>"`. It answers from what it stored.
 * `mangle` changes a span on the way out (a store that lost an attribute).
 */
export async function startTempo(behaviour: StoreBehaviour & { mangle?: (span: StoredSpan) => StoredSpan } = {}) {
  return standIn<StoredSpan>(behaviour, (req, res, { body, url, visible, store }) => {
    if (req.method === 'POST' && url.pathname === '/v1/traces') {
      store(spansOfRequest(body));
      return json(res, 200, {});
    }
    const byId = /^\/api\/traces\/([0-9a-f]{32})$/.exec(url.pathname);
    if (req.method === 'GET' && byId) {
      const spans = visible()
        .filter((s) => s.traceId === byId[1])
        .map(behaviour.mangle ?? ((s) => s));
      if (spans.length === 0) return json(res, 404, 'trace not found');
      const batches = spans.map((s) => ({
        resource: s.resource,
        scopeSpans: [
          {
            scope: s.scope,
            spans: [
              {
                ...s.raw,
                traceId: b64(s.traceId),
                spanId: b64(s.spanId),
                attributes: Object.entries(s.attributes).map(([key, v]) => ({ key, value: { stringValue: v } })),
              },
            ],
          },
        ],
      }));
      return json(res, 200, { batches });
    }
    if (req.method === 'GET' && url.pathname === '/api/search') {
      const filter = /^\{\s*span\.([\w.]+)\s*(=~|=)\s*"((?:[^"\\]|\\.)*)"\s*\}$/.exec(url.searchParams.get('q') ?? '');
      if (!filter)
        return json(res, 400, 'invalid TraceQL query: this stand-in reads { span.<attribute> = "<value>" } and =~');
      const [, attribute, op, literal] = filter as unknown as [string, string, string, string];
      const value = unquote(literal);
      const matches = op === '=' ? (v: string) => v === value : (v: string) => new RegExp(`^(?:${value})$`).test(v);
      const startNs = BigInt(url.searchParams.get('start') ?? '0') * 1_000_000_000n;
      const endNs = BigInt(url.searchParams.get('end') ?? '99999999999') * 1_000_000_000n;
      const hits = visible()
        .map(behaviour.mangle ?? ((s) => s))
        .filter(
          (s) =>
            matches(s.attributes[attribute] ?? '\u0000') &&
            BigInt(s.startTimeUnixNano) >= startNs &&
            BigInt(s.startTimeUnixNano) <= endNs,
        );
      const traces = [...new Map(hits.map((s) => [s.traceId, s])).values()].slice(
        0,
        Number(url.searchParams.get('limit') ?? 20),
      );
      return json(res, 200, {
        traces: traces.map((s) => ({
          traceID: s.traceId.replace(/^0+/, ''),
          rootServiceName: 'petsage-smoke',
          rootTraceName: s.name,
          startTimeUnixNano: s.startTimeUnixNano,
          durationMs: 0,
        })),
        metrics: { inspectedTraces: hits.length },
      });
    }
    return json(res, 404, 'not found');
  });
}
