import { json, standIn, type StoreBehaviour } from './base';
import { spansOfRequest, type StoredSpan } from './otlpTraces';

/**
 * A Jaeger stand-in (Jaeger does not install here). OTLP/HTTP in, as Jaeger 1.35+ takes it (POST
 * /v1/traces, JSON encoding); its HTTP query API out, as the Jaeger UI calls it (GET
 * /api/traces/<id>: `{"data":[{"traceID","spans":[{"traceID","spanID","operationName","tags"}]}]}`,
 * hex ids; 404 with `{"data":null,"errors":[{"code":404,"msg":"trace not found"}]}`). It answers
 * from what it stored.
 */
export async function startJaeger(behaviour: StoreBehaviour = {}) {
  return standIn<StoredSpan>(behaviour, (req, res, { body, url, visible, store }) => {
    if (req.method === 'POST' && url.pathname === '/v1/traces') {
      store(spansOfRequest(body));
      return json(res, 200, {});
    }
    const byId = /^\/api\/traces\/([0-9a-f]{32})$/.exec(url.pathname);
    if (req.method === 'GET' && byId) {
      const spans = visible().filter((s) => s.traceId === byId[1]);
      if (spans.length === 0)
        return json(res, 404, {
          data: null,
          total: 0,
          limit: 0,
          offset: 0,
          errors: [{ code: 404, msg: 'trace not found' }],
        });
      const jaegerSpans = spans.map((s) => ({
        traceID: s.traceId,
        spanID: s.spanId,
        operationName: s.name,
        startTime: Number(BigInt(s.startTimeUnixNano) / 1000n),
        duration: Number((BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1000n),
        processID: 'p1',
        tags: Object.entries(s.attributes).map(([key, value]) => ({ key, type: 'string', value })),
      }));
      return json(res, 200, {
        data: [{ traceID: byId[1], spans: jaegerSpans, processes: { p1: { serviceName: 'petsage-smoke', tags: [] } } }],
        total: 0,
        limit: 0,
        offset: 0,
        errors: null,
      });
    }
    return json(res, 404, 'not found');
  });
}
