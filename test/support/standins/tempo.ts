import type { ServerResponse } from 'node:http';
import { goError, goText, json, standIn, type StoreBehaviour } from './base';
import { mediaType } from './otlp';
import { otlpStatus, receiveTraces, spanAttributes, type StoredSpan } from './otlpTraces';

type Json = Record<string, unknown>;

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const SPAN_KINDS = [
  '',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_CODES = ['', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
const NO_ROOT = '<root span not yet received>';

/** An object without the fields gogo jsonpb leaves out: zero numbers, empty strings and lists, undefined. */
function pb(o: Json): Json {
  return Object.fromEntries(
    Object.entries(o).filter(
      ([, v]) => v !== undefined && v !== '' && v !== 0 && v !== '0' && !(Array.isArray(v) && v.length === 0),
    ),
  );
}

const asList = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** One span as Tempo writes it (gogo jsonpb: base64 ids, enum names, 64-bit integers as strings, zero fields left out). */
function tempoSpan(s: StoredSpan): Json {
  const r = s.raw;
  const status = r.status as Json | undefined;
  return pb({
    traceId: b64(s.traceId),
    spanId: b64(s.spanId),
    traceState: r.traceState,
    parentSpanId: s.parentSpanId ? b64(s.parentSpanId) : undefined,
    flags: r.flags,
    name: s.name,
    kind: SPAN_KINDS[s.kind],
    startTimeUnixNano: s.startTimeUnixNano,
    endTimeUnixNano: s.endTimeUnixNano,
    attributes: spanAttributes(s),
    droppedAttributesCount: r.droppedAttributesCount,
    events: asList(r.events).map((e) =>
      pb({
        timeUnixNano: e.timeUnixNano,
        name: e.name,
        attributes: e.attributes,
        droppedAttributesCount: e.droppedAttributesCount,
      }),
    ),
    droppedEventsCount: r.droppedEventsCount,
    links: asList(r.links).map((l) =>
      pb({
        traceId: l.traceId ? b64(String(l.traceId)) : undefined,
        spanId: l.spanId ? b64(String(l.spanId)) : undefined,
        traceState: l.traceState,
        attributes: l.attributes,
        droppedAttributesCount: l.droppedAttributesCount,
        flags: l.flags,
      }),
    ),
    droppedLinksCount: r.droppedLinksCount,
    status: status ? pb({ message: status.message, code: STATUS_CODES[Number(status.code ?? 0)] }) : undefined,
  });
}

/** Spans as OTLP resource spans: one entry per resource, one scope entry per scope, in arrival order. */
export function resourceSpans(spans: readonly StoredSpan[], span: (s: StoredSpan) => Json): Json[] {
  const byResource = new Map<string, { resource: Json; scopes: Map<string, { scope: Json; spans: Json[] }> }>();
  for (const s of spans) {
    const rKey = JSON.stringify(s.resource);
    if (!byResource.has(rKey)) byResource.set(rKey, { resource: s.resource, scopes: new Map() });
    const scopes = byResource.get(rKey)!.scopes;
    const sKey = JSON.stringify(s.scope);
    if (!scopes.has(sKey)) scopes.set(sKey, { scope: s.scope, spans: [] });
    scopes.get(sKey)!.spans.push(span(s));
  }
  return [...byResource.values()].map((r) => ({
    resource: pb(r.resource),
    scopeSpans: [...r.scopes.values()].map((sc) => ({ scope: pb(sc.scope), spans: sc.spans })),
  }));
}

/** A TraceQL string literal's text: `\\` and `\"` unescaped. */
const unquote = (s: string) => s.replace(/\\(.)/g, '$1');

/** The spanset filters this stand-in reads: `{ span.a = "v" }`, `{ resource.a =~ "re" }`, `{ .a = "v" }`. */
const FILTER = /^\{\s*(span|resource|)\.([\w.]+)\s*(=~|=|!=)\s*"((?:[^"\\]|\\.)*)"\s*\}$/;

const serviceOf = (s: StoredSpan) => {
  const attrs = asList((s.resource as Json).attributes);
  const name = attrs.find((a) => a.key === 'service.name')?.value as Json | undefined;
  return String(name?.stringValue ?? '');
};

/**
 * A Tempo stand-in (Tempo does not install here), answering as Tempo 2.x's query frontend does
 * (grafana/tempo at ad33aa8f; test/fixtures/upstream/tempo): OTLP/HTTP in (POST /v1/traces,
 * protobuf or JSON); a trace by id out (GET /api/traces/<id>: `{"batches":[…]}` as gogo jsonpb
 * writes it, base64 ids, `intValue` as strings, enum names, zero fields left out; GET
 * /api/v2/traces/<id>: `{"trace":{"resourceSpans":[…]},"metrics":{…}}`; 404 with an empty body
 * when not stored); and TraceQL search (GET /api/search?q=&start=&end=&limit=&spss=: traces newest
 * first, trace ids without leading zeros, `spanSet` and `spanSets`, `serviceStats`, `metrics`) for
 * one spanset filter on an attribute. Tenancy: X-Scope-OrgID, 401 `no org id`. `mangle` changes a
 * span on the way out (a store that lost an attribute).
 */
export async function startTempo(behaviour: StoreBehaviour & { mangle?: (span: StoredSpan) => StoredSpan } = {}) {
  const out = (spans: StoredSpan[]) => spans.map(behaviour.mangle ?? ((s) => s));
  return standIn<StoredSpan>(
    {
      store: 'tempo',
      behaviour,
      tenancy: {
        header: 'X-Scope-OrgID',
        missing: 'trace.no_org_id',
        single: 'single-tenant',
        // The distributor's receiver fails the export with InvalidArgument "no org id"
        // (integration/api/tenant_validation_test.go); over OTLP/HTTP that is a 400 with a Status.
        missingWrite: (res: ServerResponse, contentType: string) =>
          otlpStatus(res, mediaType(contentType), 400, 3, 'no org id'),
      },
    },
    (req, res, { body, headers, url, visible, store }) => {
      if (req.method === 'POST' && url.pathname === '/v1/traces') return receiveTraces(res, body, headers, store);
      const byId = /^\/api\/(v2\/)?traces\/([0-9a-fA-F]+)$/.exec(url.pathname);
      if (req.method === 'GET' && byId) {
        if (byId[2]!.length > 32) return goText(res, 400, "trace IDs can't be larger than 128 bits");
        const traceId = byId[2]!.toLowerCase().padStart(32, '0');
        const spans = out(visible().filter((s) => s.traceId === traceId));
        if (spans.length === 0) return goText(res, 404, '');
        const batches = resourceSpans(spans, tempoSpan);
        if (!byId[1]) return json(res, 200, { batches });
        return json(res, 200, {
          trace: { resourceSpans: batches },
          metrics: { inspectedBytes: String(JSON.stringify(batches).length) },
        });
      }
      if (req.method === 'GET' && url.pathname === '/api/search') return search(res, url, out(visible()));
      return goError(res, 404, '404 page not found');
    },
  );
}

function search(res: ServerResponse, url: URL, spans: StoredSpan[]): void {
  const q = url.searchParams.get('q') ?? '';
  const filter = FILTER.exec(q.trim());
  if (!filter)
    return goText(
      res,
      400,
      `invalid TraceQL query: this stand-in reads one filter { span.<attribute> = "<value>" } (or =~, !=): ${q}`,
    );
  const [, scope, attribute, op, literal] = filter as unknown as [string, string, string, string, string];
  const value = unquote(literal);
  const re = new RegExp(`^(?:${value})$`);
  const test =
    op === '=' ? (v: string) => v === value : op === '!=' ? (v: string) => v !== value : (v: string) => re.test(v);
  const attrOf = (s: StoredSpan): string | undefined => {
    const fromResource = () => {
      const a = asList((s.resource as Json).attributes).find((kv) => kv.key === attribute);
      return a ? String(Object.values((a.value ?? {}) as Json)[0] ?? '') : undefined;
    };
    if (scope === 'span') return s.attributes[attribute];
    if (scope === 'resource') return fromResource();
    return s.attributes[attribute] ?? fromResource();
  };
  const startNs = BigInt(url.searchParams.get('start') ?? '0') * 1_000_000_000n;
  const endNs = url.searchParams.has('end') ? BigInt(url.searchParams.get('end')!) * 1_000_000_000n : undefined;
  const traces = new Map<string, StoredSpan[]>();
  for (const s of spans) traces.set(s.traceId, [...(traces.get(s.traceId) ?? []), s]);
  const spss = Number(url.searchParams.get('spss') ?? 3);
  const found: { start: bigint; entry: Json }[] = [];
  for (const [traceId, all] of traces) {
    const start = all.reduce(
      (m, s) => (BigInt(s.startTimeUnixNano) < m ? BigInt(s.startTimeUnixNano) : m),
      BigInt(all[0]!.startTimeUnixNano),
    );
    const end = all.reduce((m, s) => (BigInt(s.endTimeUnixNano) > m ? BigInt(s.endTimeUnixNano) : m), 0n);
    if (end < startNs || (endNs !== undefined && start > endNs)) continue;
    const matched = all.filter((s) => {
      const v = attrOf(s);
      return v !== undefined && test(v);
    });
    if (matched.length === 0) continue;
    const root = all.find((s) => !s.parentSpanId);
    const spanSet = pb({
      spans: matched.slice(0, spss).map((s) =>
        pb({
          spanID: s.spanId,
          startTimeUnixNano: s.startTimeUnixNano,
          durationNanos: String(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)),
          attributes: spanAttributes(s).filter((kv) => kv.key === attribute),
        }),
      ),
      matched: matched.length,
    });
    const stats = new Map<string, { spanCount: number; errorCount: number }>();
    for (const s of all) {
      const st = stats.get(serviceOf(s)) ?? { spanCount: 0, errorCount: 0 };
      st.spanCount += 1;
      if (Number((s.raw.status as Json | undefined)?.code ?? 0) === 2) st.errorCount += 1;
      stats.set(serviceOf(s), st);
    }
    found.push({
      start,
      entry: pb({
        traceID: traceId.replace(/^0+/, ''),
        rootServiceName: root ? serviceOf(root) : NO_ROOT,
        rootTraceName: root?.name,
        startTimeUnixNano: String(start),
        durationMs: Number((end - start) / 1_000_000n),
        spanSet,
        spanSets: [spanSet],
        serviceStats: Object.fromEntries([...stats].map(([k, v]) => [k, pb(v)])),
      }),
    });
  }
  found.sort((a, b) => (a.start === b.start ? 0 : a.start > b.start ? -1 : 1));
  const limit = Number(url.searchParams.get('limit') ?? 20);
  json(
    res,
    200,
    pb({
      traces: found.slice(0, limit).map((f) => f.entry),
      metrics: pb({
        inspectedTraces: traces.size,
        inspectedBytes: String(spans.reduce((n, s) => n + JSON.stringify(s.raw).length, 0)),
        completedJobs: 1,
        totalJobs: 1,
      }),
    }),
  );
}
