import type { ServerResponse } from 'node:http';
import { goError, json, standIn, type StoreBehaviour } from './base';
import { fixtureText } from './fixtures';
import {
  anyText,
  asArray,
  decodeOtlp,
  JSON_TYPE,
  keyValues,
  mediaType,
  OtlpBodyError,
  PROTOBUF,
  type KeyValue,
} from './otlp';

export interface LogEntry {
  /** Stream labels (the index). */
  readonly labels: Record<string, string>;
  /** Structured metadata (Loki 3), in the order Loki adds it: attributes, trace_id, span_id, …, detected_level. */
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
 * Anything else is answered 400, as Loki answers a parse error.
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
  if (tests.length === 0) return undefined;
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

/** Resource attributes Loki 3 indexes by default (-distributor.otlp.default_resource_attributes_as_index_labels). */
const INDEXED = new Set([
  'service.name',
  'service.namespace',
  'service.instance.id',
  'deployment.environment',
  'deployment.environment.name',
  'cloud.region',
  'cloud.availability_zone',
  'k8s.cluster.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.container.name',
  'container.name',
  'k8s.replicaset.name',
  'k8s.deployment.name',
  'k8s.statefulset.name',
  'k8s.daemonset.name',
  'k8s.cronjob.name',
  'k8s.job.name',
]);
/** Fields a log level is taken from (-validation.log-level-fields). */
const LEVEL_FIELDS = ['level', 'LEVEL', 'Level', 'Severity', 'severity', 'SEVERITY', 'lvl', 'LVL', 'Lvl'];

/** An attribute name as a Prometheus label name (Loki's otlptranslator LabelNamer). */
const labelName = (k: string) => {
  const name = k.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `key_${name}` : name;
};

/** Attributes as labels; a map attribute becomes one label per key, prefixed with its name. */
function labelsOf(attrs: readonly KeyValue[], prefix = ''): [string, string][] {
  return attrs.flatMap((kv) => {
    const name = labelName(prefix ? `${prefix}_${kv.key}` : kv.key);
    const map = (kv.value as { kvlistValue?: { values?: unknown } }).kvlistValue;
    return map ? labelsOf(keyValues(map.values), name) : [[name, anyText(kv.value)] as [string, string]];
  });
}

/** Loki's level names, from a level's text. */
function normalLevel(v: string): string {
  const l = v.toLowerCase();
  if (['trace', 'trc'].includes(l)) return 'trace';
  if (['debug', 'dbg'].includes(l)) return 'debug';
  if (['info', 'inf', 'information'].includes(l)) return 'info';
  if (['warn', 'wrn', 'warning'].includes(l)) return 'warn';
  if (['error', 'err'].includes(l)) return 'error';
  if (l === 'critical') return 'critical';
  if (l === 'fatal') return 'fatal';
  return v;
}
const LINE_LEVELS: [string, string][] = [
  ['trace', 'trace'],
  ['debug', 'debug'],
  ['fatal', 'fatal'],
  ['critical', 'critical'],
  ['error', 'error'],
  ['err', 'error'],
  ['warning', 'warn'],
  ['warn', 'warn'],
  ['info', 'info'],
];
/** The first level word standing alone in a line, or `unknown`. */
function levelInLine(line: string): string {
  const lower = line.toLowerCase();
  let best = { at: lower.length, level: 'unknown' };
  for (const [word, level] of LINE_LEVELS) {
    const m = new RegExp(`(^|[\\s\\[({"'=|])${word}($|[\\s\\[\\](){}:,!"'=|])`).exec(lower);
    if (m && m.index + m[1]!.length < best.at) best = { at: m.index + m[1]!.length, level };
  }
  return best.level;
}

/**
 * `detected_level`, as Loki's distributor adds it to structured metadata (discover_log_levels,
 * on by default): from an OTLP severity number, else a level field, else the line.
 */
function detectedLevel(labels: Record<string, string>, metadata: Record<string, string>, line: string): string {
  if (metadata.detected_level) return normalLevel(metadata.detected_level);
  const severity = metadata.severity_number;
  if (severity) {
    const n = Number(severity);
    if (!Number.isInteger(n)) return 'info';
    return n <= 4
      ? 'trace'
      : n <= 8
        ? 'debug'
        : n <= 12
          ? 'info'
          : n <= 16
            ? 'warn'
            : n <= 20
              ? 'error'
              : n <= 24
                ? 'fatal'
                : 'unknown';
  }
  for (const field of LEVEL_FIELDS)
    if (labels[field] ?? metadata[field]) return normalLevel(labels[field] ?? metadata[field]!);
  if (line.trim().startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      for (const field of LEVEL_FIELDS) if (typeof parsed[field] === 'string') return normalLevel(parsed[field]);
    } catch {
      // not JSON after all: read as text
    }
  }
  return levelInLine(line);
}

/** OTLP log records as Loki 3 stores them (pkg/loghttp/push/otlp.go, otlplabels/labels.go). */
function entriesOfOtlp(request: Record<string, unknown>): LogEntry[] {
  return asArray(request.resourceLogs).flatMap((rl) => {
    const resource = keyValues((rl.resource as { attributes?: unknown } | undefined)?.attributes);
    const labels: Record<string, string> = {};
    const resourceMetadata: [string, string][] = [];
    for (const kv of resource)
      for (const [k, v] of labelsOf([kv])) {
        if (INDEXED.has(kv.key)) labels[k] = v;
        else resourceMetadata.push([k, v]);
      }
    if (!labels.service_name) labels.service_name = 'unknown_service';
    return asArray(rl.scopeLogs).flatMap((sl) => {
      const scope = (sl.scope ?? {}) as Record<string, unknown>;
      const scopeMetadata: [string, string][] = [
        ...labelsOf(keyValues(scope.attributes)),
        ...(scope.name ? [['scope_name', String(scope.name)] as [string, string]] : []),
        ...(scope.version ? [['scope_version', String(scope.version)] as [string, string]] : []),
        ...(scope.droppedAttributesCount
          ? [['scope_dropped_attributes_count', String(scope.droppedAttributesCount)] as [string, string]]
          : []),
      ];
      return asArray(sl.logRecords).map((r) => {
        const time = BigInt(String(r.timeUnixNano ?? '0'));
        const observed = BigInt(String(r.observedTimeUnixNano ?? '0'));
        const own: [string, string][] = [
          ...labelsOf(keyValues(r.attributes).filter((kv) => !(kv.key === 'event_name' && r.eventName))),
          ...(time && observed ? [['observed_timestamp', String(observed)] as [string, string]] : []),
          ...(r.severityNumber ? [['severity_number', String(r.severityNumber)] as [string, string]] : []),
          ...(r.severityText ? [['severity_text', String(r.severityText)] as [string, string]] : []),
          ...(r.droppedAttributesCount
            ? [['dropped_attributes_count', String(r.droppedAttributesCount)] as [string, string]]
            : []),
          ...(r.flags ? [['flags', String(r.flags)] as [string, string]] : []),
          ...(r.traceId ? [['trace_id', String(r.traceId)] as [string, string]] : []),
          ...(r.spanId ? [['span_id', String(r.spanId)] as [string, string]] : []),
          ...(r.eventName ? [['event_name', String(r.eventName)] as [string, string]] : []),
        ];
        const metadata = Object.fromEntries([...own, ...resourceMetadata, ...scopeMetadata]);
        const line = r.body === undefined ? '' : anyText(r.body);
        metadata.detected_level = detectedLevel(labels, metadata, line);
        return {
          labels: { ...labels },
          metadata,
          line,
          tsNs: time || observed || BigInt(Date.now()) * 1_000_000n,
        };
      });
    });
  });
}

/** A time parameter: integer ns since the epoch, float seconds, or RFC 3339. */
function timeNs(v: string | null, fallback: bigint): bigint | undefined {
  if (v === null || v === '') return fallback;
  if (/^\d+$/.test(v)) return BigInt(v);
  if (/^\d+\.\d*$/.test(v)) return BigInt(Math.round(Number(v) * 1e6)) * 1000n;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n;
}

/** Loki's error answer (pkg/util/server/error.go WriteError): text/plain, nosniff, no newline. */
function lokiError(res: ServerResponse, status: number, message: string): void {
  res
    .writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'content-length': Buffer.byteLength(message),
    })
    .end(message);
}

const STATS = JSON.parse(fixtureText('loki', 'stats.json')) as unknown;

/**
 * A Loki stand-in (Loki does not install here), answering as Loki 3 does (grafana/loki at
 * 65e30f84; test/fixtures/upstream/loki): OTLP logs in (POST /otlp/v1/logs, protobuf or JSON, 204;
 * the index labels Loki 3 makes by default, `service_name` among them, and everything else as
 * structured metadata: attributes, scope_name, observed_timestamp, severity_number,
 * severity_text, trace_id, span_id, detected_level), the push API in (POST /loki/api/v1/push,
 * JSON, 204), and GET /loki/api/v1/query_range out (a `streams` result with the full `stats`
 * block; `start` inclusive, `end` exclusive; limit; direction; structured metadata merged into
 * each stream's labels, or with `X-Loki-Response-Encoding-Flags: categorize-labels` kept apart as
 * each value's third element and `encodingFlags` in the answer). Tenancy: X-Scope-OrgID, 401 `no
 * org id`.
 */
export async function startLoki(behaviour: StoreBehaviour = {}) {
  return standIn<LogEntry>(
    {
      store: 'loki',
      behaviour,
      tenancy: { header: 'X-Scope-OrgID', missing: 'query_range.no_org_id', single: 'fake' },
    },
    (req, res, { body, headers, url, visible, store }) => {
      if (req.method === 'POST' && url.pathname === '/otlp/v1/logs') {
        const type = mediaType(headers['content-type']);
        if (type !== PROTOBUF && type !== JSON_TYPE)
          return lokiError(res, 400, `content type: ${headers['content-type'] ?? ''} is not supported`);
        try {
          const request = decodeOtlp('logs', body, {
            contentType: type,
            contentEncoding: String(headers['content-encoding'] ?? ''),
          });
          store(entriesOfOtlp(request));
        } catch (err) {
          if (!(err instanceof OtlpBodyError)) throw err;
          return lokiError(res, 400, err.message);
        }
        return res.writeHead(204).end();
      }
      if (req.method === 'POST' && url.pathname === '/loki/api/v1/push') {
        const request = JSON.parse(body.toString('utf8')) as {
          streams?: {
            stream: Record<string, string>;
            values: ([string, string] | [string, string, Record<string, string>])[];
          }[];
        };
        store(
          (request.streams ?? []).flatMap((s) =>
            s.values.map(([ts, line, sm]) => {
              const metadata = { ...(sm ?? {}) };
              metadata.detected_level = detectedLevel(s.stream, metadata, line);
              return { labels: s.stream, metadata, line, tsNs: BigInt(ts) };
            }),
          ),
        );
        return res.writeHead(204).end();
      }
      if (req.method === 'GET' && url.pathname === '/loki/api/v1/query_range') {
        const query = url.searchParams.get('query') ?? '';
        const matches = compileLogQl(query);
        if (!matches)
          return lokiError(
            res,
            400,
            `parse error : this stand-in reads a stream selector, label and line filters: ${query}`,
          );
        const nowNs = BigInt(Date.now()) * 1_000_000n;
        const end = timeNs(url.searchParams.get('end'), nowNs);
        const start = end === undefined ? undefined : timeNs(url.searchParams.get('start'), end - 3_600_000_000_000n);
        if (start === undefined || end === undefined) return lokiError(res, 400, 'cannot parse start or end');
        if (end <= start) return lokiError(res, 400, 'end timestamp must not be before or equal to start time');
        const limit = Number(url.searchParams.get('limit') ?? 100);
        const forward = url.searchParams.get('direction') === 'forward';
        const hits = visible()
          .filter((e) => e.tsNs >= start && e.tsNs < end && matches(e))
          .sort((a, b) => (a.tsNs === b.tsNs ? 0 : a.tsNs < b.tsNs === forward ? -1 : 1))
          .slice(0, limit);
        const categorize = String(headers['x-loki-response-encoding-flags'] ?? '')
          .split(',')
          .map((f) => f.trim())
          .includes('categorize-labels');
        const sorted = (o: Record<string, string>) =>
          Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
        const streams = new Map<string, { stream: Record<string, string>; values: unknown[] }>();
        for (const e of hits) {
          const stream = sorted(categorize ? e.labels : { ...e.labels, ...e.metadata });
          const key = JSON.stringify(stream);
          if (!streams.has(key)) streams.set(key, { stream, values: [] });
          const metadata = Object.keys(e.metadata).length ? { structuredMetadata: e.metadata } : {};
          streams.get(key)!.values.push(categorize ? [String(e.tsNs), e.line, metadata] : [String(e.tsNs), e.line]);
        }
        const result = [...streams.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => s);
        return json(
          res,
          200,
          {
            status: 'success',
            data: {
              resultType: 'streams',
              ...(categorize ? { encodingFlags: ['categorize-labels'] } : {}),
              result,
              stats: STATS,
            },
          },
          'application/json; charset=UTF-8',
        );
      }
      return goError(res, 404, '404 page not found');
    },
  );
}
