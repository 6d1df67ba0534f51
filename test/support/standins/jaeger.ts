import type { ServerResponse } from 'node:http';
import { goError, json, standIn, type StoreBehaviour } from './base';
import { jaegerTraceId } from './fixtures';
import { anyText, asArray, keyValues, mediaType, type KeyValue } from './otlp';
import { otlpStatus, receiveTraces, spanAttributes, type StoredSpan } from './otlpTraces';
import { resourceSpans } from './tempo';

type Json = Record<string, unknown>;
interface Tag {
  key: string;
  type: string;
  value: unknown;
}

const SPAN_KINDS = ['', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_CODES = ['', 'OK', 'ERROR'];

/** An OTLP attribute as a Jaeger tag (int64 as a number while JavaScript holds it exactly, else a string). */
function tag(kv: KeyValue): Tag {
  const v = kv.value as Json;
  if (v.boolValue !== undefined) return { key: kv.key, type: 'bool', value: v.boolValue };
  if (v.intValue !== undefined) {
    const n = BigInt(String(v.intValue));
    const safe = n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER);
    return { key: kv.key, type: 'int64', value: safe ? Number(n) : String(n) };
  }
  if (v.doubleValue !== undefined) return { key: kv.key, type: 'float64', value: v.doubleValue };
  if (v.bytesValue !== undefined) return { key: kv.key, type: 'binary', value: v.bytesValue };
  return { key: kv.key, type: 'string', value: anyText(v) };
}
const str = (key: string, value: string): Tag => ({ key, type: 'string', value });

/**
 * A span as the Jaeger UI's JSON writes it (OTLP → Jaeger model → UI model, as
 * otlp2jaeger-out.json shows): scope tags first, then attributes, then span.kind and status tags.
 */
function uiSpan(s: StoredSpan, processID: string): Json {
  const scope = s.scope as Json;
  const status = (s.raw.status ?? {}) as Json;
  const code = Number(status.code ?? 0);
  const tags: Tag[] = [
    ...(scope.name ? [str('otel.scope.name', String(scope.name))] : []),
    ...(scope.version ? [str('otel.scope.version', String(scope.version))] : []),
    ...spanAttributes(s).map(tag),
    ...(SPAN_KINDS[s.kind] ? [str('span.kind', SPAN_KINDS[s.kind]!)] : []),
    ...(STATUS_CODES[code] ? [str('otel.status_code', STATUS_CODES[code]!)] : []),
    ...(code === 2 ? [{ key: 'error', type: 'bool', value: true }] : []),
    ...(status.message ? [str('otel.status_description', String(status.message))] : []),
    ...(s.raw.traceState ? [str('w3c.tracestate', String(s.raw.traceState))] : []),
  ];
  const references = [
    ...(s.parentSpanId ? [{ refType: 'CHILD_OF', traceID: jaegerTraceId(s.traceId), spanID: s.parentSpanId }] : []),
    ...asArray(s.raw.links).map((l) => ({
      refType: 'FOLLOWS_FROM',
      traceID: jaegerTraceId(String(l.traceId)),
      spanID: String(l.spanId),
    })),
  ];
  return {
    traceID: jaegerTraceId(s.traceId),
    spanID: s.spanId,
    operationName: s.name,
    references,
    startTime: Number(BigInt(s.startTimeUnixNano) / 1000n),
    duration: Number((BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1000n),
    tags,
    logs: asArray(s.raw.events).map((e) => ({
      timestamp: Number(BigInt(String(e.timeUnixNano ?? '0')) / 1000n),
      fields: [...(e.name ? [str('event', String(e.name))] : []), ...keyValues(e.attributes).map(tag)],
    })),
    processID,
    warnings: null,
  };
}

/** The Jaeger UI's trace: spans, processes p1, p2, … (one per distinct resource), warnings. */
function uiTrace(traceId: string, spans: StoredSpan[]): Json {
  const processes = new Map<string, { id: string; serviceName: string; tags: Tag[] }>();
  const out = spans.map((s) => {
    const attrs = keyValues((s.resource as Json).attributes);
    const serviceName = anyText(attrs.find((kv) => kv.key === 'service.name')?.value);
    const tags = attrs.filter((kv) => kv.key !== 'service.name').map(tag);
    const key = JSON.stringify([serviceName, tags]);
    if (!processes.has(key)) processes.set(key, { id: `p${processes.size + 1}`, serviceName, tags });
    return uiSpan(s, processes.get(key)!.id);
  });
  return {
    traceID: jaegerTraceId(traceId),
    spans: out,
    processes: Object.fromEntries(
      [...processes.values()].map((p) => [p.id, { serviceName: p.serviceName, tags: p.tags }]),
    ),
    warnings: null,
  };
}

/** A span as Jaeger v2's /api/v3 writes it (OTLP/JSON: hex ids, enums as numbers, status always there). */
function v3Span(s: StoredSpan): Json {
  const r = s.raw;
  const keep = (o: Json) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '' && v !== 0 && v !== '0'));
  return keep({
    traceId: s.traceId,
    spanId: s.spanId,
    traceState: r.traceState,
    parentSpanId: s.parentSpanId || undefined,
    flags: r.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano,
    endTimeUnixNano: s.endTimeUnixNano,
    attributes: spanAttributes(s),
    events: asArray(r.events).length ? r.events : undefined,
    links: asArray(r.links).length ? r.links : undefined,
    status: keep((r.status ?? {}) as Json),
  });
}

/**
 * A Jaeger stand-in (Jaeger does not install here), answering as Jaeger's query service does
 * (jaegertracing/jaeger at 8498073f; test/fixtures/upstream/jaeger): OTLP/HTTP in (POST
 * /v1/traces, protobuf or JSON); the UI's JSON out (GET /api/traces/<id>:
 * `{"data":[{traceID, spans:[{…, references, tags (typed: string, int64, bool, float64, binary),
 * logs, processID, warnings}], processes, warnings}], total, limit, offset, errors}`, the trace id
 * 16 hex digits when its high half is zero; 404 with its error JSON as text/plain); and Jaeger v2's
 * GET /api/v3/traces/<id> (`{"result":{"resourceSpans":[…]}}`; 404 `No traces found`).
 * Multi-tenancy as `--multi-tenancy.*` sets it: the tenant in `x-tenant` (or `tenantHeader`), 401
 * `missing tenant header`, and `unknown tenant` for one not in `tenants`.
 */
export async function startJaeger(behaviour: StoreBehaviour = {}) {
  return standIn<StoredSpan>(
    {
      store: 'jaeger',
      behaviour,
      tenancy: {
        header: 'x-tenant',
        missing: 'trace.missing_tenant',
        unknown: 'trace.unknown_tenant',
        single: '',
        missingWrite: (res: ServerResponse, contentType: string) =>
          otlpStatus(res, mediaType(contentType), 401, 16, 'missing tenant header'),
      },
    },
    (req, res, { body, headers, url, visible, store }) => {
      if (req.method === 'POST' && url.pathname === '/v1/traces') return receiveTraces(res, body, headers, store);
      const byId = /^\/api\/(v3\/)?traces\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && byId) {
        const raw = byId[2]!;
        if (!/^[0-9a-fA-F]{1,32}$/.test(raw)) {
          const msg = `strconv.ParseUint: parsing "${raw}": invalid syntax`;
          return byId[1]
            ? goError(
                res,
                400,
                JSON.stringify({ error: { httpCode: 400, message: `malformed parameter trace_id: ${msg}` } }),
              )
            : goError(res, 400, errorJson(400, msg));
        }
        const start = url.searchParams.get('start');
        if (!byId[1] && start !== null && !/^-?\d+$/.test(start))
          return goError(
            res,
            400,
            errorJson(400, `unable to parse param 'start': strconv.ParseInt: parsing "${start}": invalid syntax`),
          );
        const traceId = raw.toLowerCase().padStart(32, '0');
        const spans = visible().filter((s) => s.traceId === traceId);
        if (byId[1]) {
          if (spans.length === 0)
            return goError(res, 404, JSON.stringify({ error: { httpCode: 404, message: 'No traces found' } }));
          return json(res, 200, { result: { resourceSpans: resourceSpans(spans, v3Span) } });
        }
        if (spans.length === 0) return goError(res, 404, errorJson(404, 'trace not found'));
        return json(res, 200, { data: [uiTrace(traceId, spans)], total: 0, limit: 0, offset: 0, errors: null });
      }
      return goError(res, 404, '404 page not found');
    },
  );
}

/** The query service's error answer (http_handler.go handleError), before http.Error adds its newline. */
const errorJson = (code: number, msg: string) =>
  JSON.stringify({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code, msg }] });
