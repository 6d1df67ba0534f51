import { asArray, attributes, json, standIn, type StoreBehaviour } from './base';

export interface LogEntry {
  readonly labels: Record<string, string>;
  /** Structured metadata (Loki 3): an OTLP record's attributes, trace_id and span_id. */
  readonly metadata: Record<string, string>;
  readonly line: string;
  readonly tsNs: bigint;
}

const unquote = (s: string) => s.replace(/\\(.)/g, '$1');
const MATCHER = /\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*/y;

function test(op: string, pattern: string, value: string | undefined): boolean {
  const v = value ?? '';
  switch (op) {
    case '=':
      return v === pattern;
    case '!=':
      return v !== pattern;
    case '=~':
      return new RegExp(`^(?:${pattern})$`).test(v);
    default:
      return !new RegExp(`^(?:${pattern})$`).test(v);
  }
}

/**
 * The subset of LogQL the daemon writes: a stream selector `{k="v", k=~"re"}`, then label or
 * structured-metadata filters `| k="v"` / `| k=~"re"` and line filters `|= "text"` / `|~ "re"`.
 * Anything else is a parse error, as Loki would answer (400).
 */
export function compileLogQl(query: string): ((e: LogEntry) => boolean) | undefined {
  const selector = /^\{(.*?)\}(.*)$/s.exec(query.trim());
  if (!selector) return undefined;
  const tests: ((e: LogEntry) => boolean)[] = [];
  const inner = selector[1] as string;
  MATCHER.lastIndex = 0;
  for (let at = 0; at < inner.length;) {
    MATCHER.lastIndex = at;
    const m = MATCHER.exec(inner);
    if (!m) return undefined;
    const [, key, op, lit] = m as unknown as [string, string, string, string];
    tests.push((e) => test(op, unquote(lit), e.labels[key]));
    at = MATCHER.lastIndex;
    if (inner[at] === ',') at += 1;
    else if (at < inner.length) return undefined;
  }
  let rest = selector[2] as string;
  while (rest.trim()) {
    const line = /^\s*(\|=|\|~|!=|!~)\s*"((?:[^"\\]|\\.)*)"(.*)$/s.exec(rest);
    const label = /^\s*\|\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"(.*)$/s.exec(rest);
    if (line) {
      const [, op, lit, more] = line as unknown as [string, string, string, string];
      const text = unquote(lit);
      tests.push(
        op === '|='
          ? (e) => e.line.includes(text)
          : op === '!='
            ? (e) => !e.line.includes(text)
            : op === '|~'
              ? (e) => new RegExp(text).test(e.line)
              : (e) => !new RegExp(text).test(e.line),
      );
      rest = more;
    } else if (label) {
      const [, key, op, lit, more] = label as unknown as [string, string, string, string, string];
      tests.push((e) => test(op, unquote(lit), e.metadata[key] ?? e.labels[key]));
      rest = more;
    } else return undefined;
  }
  return (e) => tests.every((t) => t(e));
}

/**
 * A Loki stand-in (Loki does not install here). It follows Loki 3's HTTP API: OTLP logs in (POST
 * /otlp/v1/logs, JSON encoding; `service.name` becomes the `service_name` label, record attributes,
 * trace_id and span_id become structured metadata, the body the line), the push API in (POST
 * /loki/api/v1/push, JSON), and GET /loki/api/v1/query_range out (a `streams` result, structured
 * metadata merged into each stream's labels as Loki answers by default; start, end, limit,
 * direction). It answers from what it stored.
 */
export async function startLoki(behaviour: StoreBehaviour = {}) {
  return standIn<LogEntry>(behaviour, (req, res, { body, url, visible, store }) => {
    if (req.method === 'POST' && url.pathname === '/otlp/v1/logs') {
      const request = JSON.parse(body.toString('utf8')) as { resourceLogs?: unknown };
      store(
        asArray(request.resourceLogs).flatMap((rl) => {
          const resource = attributes((rl.resource as { attributes?: unknown } | undefined)?.attributes);
          return asArray(rl.scopeLogs).flatMap((sl) =>
            asArray(sl.logRecords).map((r) => ({
              labels: { service_name: resource['service.name'] ?? 'unknown_service' },
              metadata: {
                ...attributes(r.attributes),
                ...(r.traceId ? { trace_id: String(r.traceId) } : {}),
                ...(r.spanId ? { span_id: String(r.spanId) } : {}),
              },
              line: String((r.body as { stringValue?: unknown } | undefined)?.stringValue ?? ''),
              tsNs: BigInt(String(r.timeUnixNano ?? r.observedTimeUnixNano ?? '0')),
            })),
          );
        }),
      );
      return json(res, 200, {});
    }
    if (req.method === 'POST' && url.pathname === '/loki/api/v1/push') {
      const request = JSON.parse(body.toString('utf8')) as {
        streams?: { stream: Record<string, string>; values: [string, string][] }[];
      };
      store(
        (request.streams ?? []).flatMap((s) =>
          s.values.map(([ts, line]) => ({ labels: s.stream, metadata: {}, line, tsNs: BigInt(ts) })),
        ),
      );
      return res.writeHead(204).end();
    }
    if (req.method === 'GET' && url.pathname === '/loki/api/v1/query_range') {
      const matches = compileLogQl(url.searchParams.get('query') ?? '');
      if (!matches)
        return json(res, 400, 'parse error: this stand-in reads a stream selector, label filters and line filters');
      const start = BigInt(url.searchParams.get('start') ?? '0');
      const end = BigInt(url.searchParams.get('end') ?? String(BigInt(Date.now()) * 1_000_000n));
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const forward = url.searchParams.get('direction') === 'forward';
      const hits = visible()
        .filter((e) => e.tsNs >= start && e.tsNs <= end && matches(e))
        .sort((a, b) => (forward ? Number(a.tsNs - b.tsNs) : Number(b.tsNs - a.tsNs)))
        .slice(0, limit);
      const streams = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
      for (const e of hits) {
        const stream = { ...e.labels, ...e.metadata };
        const key = JSON.stringify(Object.entries(stream).sort());
        if (!streams.has(key)) streams.set(key, { stream, values: [] });
        streams.get(key)!.values.push([String(e.tsNs), e.line]);
      }
      return json(res, 200, {
        status: 'success',
        data: { resultType: 'streams', result: [...streams.values()], stats: {} },
      });
    }
    return json(res, 404, 'not found');
  });
}
