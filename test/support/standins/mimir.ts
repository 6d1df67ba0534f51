import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { answer, goError, json, standIn, type StoreBehaviour } from './base';
import { fixture, type Store } from './fixtures';
import {
  anyText,
  asArray,
  decodeOtlpMetrics,
  JSON_TYPE,
  keyValues,
  OTLP_TYPES,
  OtlpBodyError,
  PROTOBUF,
  temporalityOf,
} from './otlp';

/** Mimir's fixtures, in test/fixtures/upstream/mimir (fixtures.ts's `Store` names the first three stores only). */
export const MIMIR = 'mimir' as Store;

export interface MimirBehaviour extends StoreBehaviour {
  /**
   * What becomes of a DELTA Sum. `convert` (the default): a running total per series, as a store
   * behind the Collector's `deltatocumulative` processor holds it. `reject`: Mimir's own answer
   * without native delta ingestion, 400 `otlp.delta_rejected` (the push's other metrics are kept).
   */
  deltas?: 'convert' | 'reject';
}

/** One sample as Mimir stores it: a Prometheus series (its `__name__` among the labels) and a point. */
export interface MimirSample {
  readonly labels: Readonly<Record<string, string>>;
  /** The point's time, ms since the epoch (its `timeUnixNano`). */
  readonly tMs: number;
  /** The stored value: for a DELTA point the running total it was turned into. */
  readonly value: number;
  /** The point as it was pushed: temporality (0 for a gauge, 1 delta, 2 cumulative) and value. */
  readonly sent: { readonly temporality: number; readonly value: number };
}

/** The daemon's two query shapes (src/readers/prometheus.ts), parsed. */
interface RunsQuery {
  readonly without: readonly string[];
  readonly name: string;
  readonly matchers: readonly ((labels: Readonly<Record<string, string>>) => boolean)[];
  /** `max_over_time(…[Ns])`: the range in ms; an instant selector otherwise. */
  readonly rangeMs?: number;
}

/** Prometheus's default lookback for an instant selector (`-querier.lookback-delta`). */
const LOOKBACK_MS = 5 * 60_000;
const MATCHER = /\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*/y;
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function matcher(name: string, op: string, literal: string) {
  const value = literal.replace(/\\(.)/g, '$1');
  const re = op.includes('~') ? new RegExp(`^(?:${value})$`) : undefined;
  return (labels: Readonly<Record<string, string>>) => {
    const v = labels[name] ?? '';
    if (op === '=') return v === value;
    if (op === '!=') return v !== value;
    return op === '=~' ? re!.test(v) : !re!.test(v);
  };
}

/**
 * `max(sum without (a, b) (M{…}))` and `max(sum without (a, b) (max_over_time(M{…}[Ns])))`, with
 * any whitespace; anything else is undefined (Mimir's 400 fixture).
 */
export function parseRunsQuery(query: string): RunsQuery | undefined {
  const outer = /^\s*max\s*\(\s*sum\s+without\s*\(([^)]*)\)\s*\((.*)\)\s*\)\s*$/s.exec(query);
  if (!outer) return undefined;
  const without = outer[1]!
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  if (!without.every((l) => /^[a-zA-Z_]\w*$/.test(l))) return undefined;
  let inner = outer[2]!.trim();
  let rangeMs: number | undefined;
  const overTime = /^max_over_time\s*\((.*)\[\s*(\d+)(ms|s|m|h|d|w)\s*\]\s*\)$/s.exec(inner);
  if (overTime) {
    inner = overTime[1]!.trim();
    rangeMs = Number(overTime[2]) * UNITS[overTime[3]!]!;
  }
  const selector = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{(.*)\}$/s.exec(inner);
  if (!selector) return undefined;
  const body = selector[2]!;
  const matchers: RunsQuery['matchers'][number][] = [];
  for (let at = 0; at < body.length;) {
    MATCHER.lastIndex = at;
    const m = MATCHER.exec(body);
    if (!m) {
      if (body.slice(at).trim()) return undefined;
      break; // a trailing comma
    }
    try {
      matchers.push(matcher(m[1]!, m[2]!, m[3]!));
    } catch {
      return undefined; // a regular expression that does not compile
    }
    at = MATCHER.lastIndex;
    if (body[at] === ',') at += 1;
    else if (body.slice(at).trim()) return undefined;
  }
  return { without, name: selector[1]!, matchers, ...(rangeMs === undefined ? {} : { rangeMs }) };
}

const seriesKey = (labels: Readonly<Record<string, string>>) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

/** The query's single value at `atMs`, or undefined for an empty vector. */
export function evaluate(q: RunsQuery, samples: readonly MimirSample[], atMs: number): number | undefined {
  const series = new Map<string, { labels: Readonly<Record<string, string>>; points: MimirSample[] }>();
  for (const s of samples) {
    if (s.labels.__name__ !== q.name || !q.matchers.every((m) => m(s.labels))) continue;
    const key = seriesKey(s.labels);
    if (!series.has(key)) series.set(key, { labels: s.labels, points: [] });
    series.get(key)!.points.push(s);
  }
  const groups = new Map<string, number>();
  for (const { labels, points } of series.values()) {
    let value: number | undefined;
    if (q.rangeMs !== undefined) {
      // A range selector is left-open, (t - range, t], as in Prometheus 3.
      const inRange = points.filter((p) => p.tMs > atMs - q.rangeMs! && p.tMs <= atMs).map((p) => p.value);
      if (inRange.length) value = Math.max(...inRange);
    } else {
      const latest = points
        .filter((p) => p.tMs > atMs - LOOKBACK_MS && p.tMs <= atMs)
        .reduce<MimirSample | undefined>((a, p) => (a && a.tMs > p.tMs ? a : p), undefined);
      value = latest?.value;
    }
    if (value === undefined) continue;
    // `sum without (…)` drops the listed labels and the metric name.
    const kept = Object.fromEntries(Object.entries(labels).filter(([k]) => k !== '__name__' && !q.without.includes(k)));
    const key = seriesKey(kept);
    groups.set(key, (groups.get(key) ?? 0) + value);
  }
  return groups.size ? Math.max(...groups.values()) : undefined;
}

/** A time as Prometheus's `model.Time` writes it: seconds, no trailing zeros. */
const timeText = (ms: number) => String(ms / 1000);
/** A value as Prometheus writes it (`strconv.FormatFloat(v, 'f', -1, 64)`). */
const valueText = (v: number) =>
  Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);

/** A `time` parameter: float seconds or RFC 3339; absent is now. */
function timeMs(v: string | null, now: number): number | undefined {
  if (v === null || v === '') return now;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A metric name as the Prometheus translator builds it (legacy names, with suffixes). */
function promName(name: string, monotonic: boolean): string {
  let tokens = name.split(/[^a-zA-Z0-9:]+/).filter(Boolean);
  if (monotonic) tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  const joined = tokens.join('_');
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/** A label name as the translator's LabelNamer builds it (legacy names). */
function labelName(key: string): string {
  const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `key_${name}` : name;
}

/**
 * The samples of an ExportMetricsServiceRequest, as Mimir's OTLP translation stores them: each
 * Gauge and Sum number point a sample of the series named by the metric (`_total` on monotonic
 * Sums) and labelled with the point's attributes, `job` and `instance`. DELTA Sums are added to
 * `totals` (per tenant and series) or, when `reject`, named in `rejected` and left out.
 */
function samplesOf(
  request: Record<string, unknown>,
  o: { totals: Map<string, number>; tenant: string; deltas: 'convert' | 'reject'; now: number },
): { samples: MimirSample[]; rejected: string[] } {
  const samples: MimirSample[] = [];
  const rejected: string[] = [];
  for (const rm of asArray(request.resourceMetrics)) {
    const resource = Object.fromEntries(
      keyValues((rm.resource as { attributes?: unknown } | undefined)?.attributes).map((kv) => [
        kv.key,
        anyText(kv.value),
      ]),
    );
    const target: Record<string, string> = {};
    if (resource['service.name'] !== undefined)
      target.job = resource['service.namespace']
        ? `${resource['service.namespace']}/${resource['service.name']}`
        : resource['service.name'];
    if (resource['service.instance.id'] !== undefined) target.instance = resource['service.instance.id'];
    for (const sm of asArray(rm.scopeMetrics))
      for (const metric of asArray(sm.metrics)) {
        const sum = metric.sum as Record<string, unknown> | undefined;
        const gauge = metric.gauge as Record<string, unknown> | undefined;
        if (!sum && !gauge) continue; // histograms and summaries: not kept by this stand-in
        const temporality = sum ? temporalityOf(sum.aggregationTemporality) : 0;
        const metricName = String(metric.name ?? '');
        if (sum && temporality !== 2 && !(temporality === 1 && o.deltas === 'convert')) {
          rejected.push(metricName);
          continue;
        }
        const name = promName(metricName, Boolean(sum?.isMonotonic));
        for (const point of asArray((sum ?? gauge)!.dataPoints)) {
          if ((Number(point.flags ?? 0) & 1) === 1) continue; // no recorded value: a stale marker
          const labels: Record<string, string> = {};
          for (const kv of keyValues(point.attributes)) labels[labelName(kv.key)] = anyText(kv.value);
          Object.assign(labels, target, { __name__: name });
          const sent = Number(point.asDouble ?? point.asInt ?? 0);
          const ns = BigInt(String(point.timeUnixNano ?? '0'));
          const tMs = ns > 0n ? Number(ns / 1_000_000n) : o.now;
          let value = sent;
          if (temporality === 1) {
            const key = `${o.tenant}\u0000${seriesKey(labels)}`;
            value = (o.totals.get(key) ?? 0) + sent;
            o.totals.set(key, value);
          }
          samples.push({ labels, tMs, value, sent: { temporality, value: sent } });
        }
      }
  }
  return { samples, rejected };
}

/** An OTLP error answer as Mimir writes it: a google.rpc.Status in the request's encoding, nosniff. */
function otlpError(res: ServerResponse, type: string, status: number, message: string): void {
  const proto = type !== JSON_TYPE;
  const body = proto
    ? Buffer.from(OTLP_TYPES.status.encode(OTLP_TYPES.status.fromObject({ code: status, message })).finish())
    : Buffer.from(JSON.stringify({ code: status, message }));
  res
    .writeHead(status, {
      'content-type': proto ? PROTOBUF : JSON_TYPE,
      'x-content-type-options': 'nosniff',
      'content-length': body.length,
    })
    .end(body);
}

/** The parameters of a query: the URL's, or a POSTed form's. */
function queryParams(url: URL, method: string, headers: IncomingHttpHeaders, body: Buffer): URLSearchParams {
  const form = String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  return method === 'POST' && form ? new URLSearchParams(body.toString('utf8')) : url.searchParams;
}

/**
 * A Mimir stand-in (Mimir does not install here), answering as Mimir's query-frontend and
 * distributor do (test/fixtures/upstream/mimir): OTLP metrics in (POST /otlp/v1/metrics, protobuf
 * or JSON, gzip or not; 200 with an empty ExportMetricsServiceResponse in the request's encoding),
 * translated to Prometheus series as Mimir's translation does (`petsage_smoke_runs` → a series of
 * `petsage_smoke_runs_total`, the point's attributes as labels, `job` and `instance` from the
 * resource; DELTA points turned into a running total unless `deltas: 'reject'`), and GET/POST
 * /prometheus/api/v1/query for the daemon's two query shapes (anything else: the 400 fixture).
 * Tenancy: X-Scope-OrgID, 401 `no org id` on both paths; single-tenant, everything is `anonymous`.
 */
export async function startMimir(behaviour: MimirBehaviour = {}) {
  const totals = new Map<string, number>();
  return standIn<MimirSample>(
    {
      store: MIMIR,
      behaviour,
      tenancy: {
        header: 'X-Scope-OrgID',
        missing: 'query.no_org_id',
        single: 'anonymous',
        missingWrite: (res) => answer(res, fixture(MIMIR, 'otlp.no_org_id'), {}, MIMIR),
      },
    },
    (req, res, { body, headers, url, tenant, visible, store }) => {
      if (req.method === 'POST' && url.pathname === '/otlp/v1/metrics') {
        // Mimir compares the whole header: parameters make it unsupported.
        const type = String(headers['content-type'] ?? '');
        if (type !== PROTOBUF && type !== JSON_TYPE)
          return otlpError(
            res,
            PROTOBUF,
            415,
            `unsupported content type: ${type}, supported: [${JSON_TYPE}, ${PROTOBUF}]`,
          );
        const encoding = String(headers['content-encoding'] ?? '');
        if (encoding !== '' && encoding !== 'gzip')
          return otlpError(
            res,
            type,
            415,
            `unsupported compression: ${encoding}. This stand-in reads "gzip" or no compression`,
          );
        let request: Record<string, unknown>;
        try {
          request = decodeOtlpMetrics(body, { contentType: type, contentEncoding: encoding });
        } catch (err) {
          if (!(err instanceof OtlpBodyError)) throw err;
          return otlpError(res, type, 400, err.message);
        }
        const { samples, rejected } = samplesOf(request, {
          totals,
          tenant,
          deltas: behaviour.deltas ?? 'convert',
          now: Date.now(),
        });
        store(samples);
        if (rejected.length)
          return otlpError(
            res,
            type,
            400,
            `otlp parse error: ${rejected.map((n) => `invalid temporality and type combination for metric ${JSON.stringify(n)}`).join('; ')}`,
          );
        return answer(
          res,
          fixture(MIMIR, type === PROTOBUF ? 'otlp.accepted.protobuf' : 'otlp.accepted.json'),
          {},
          MIMIR,
        );
      }
      if ((req.method === 'GET' || req.method === 'POST') && url.pathname === '/prometheus/api/v1/query') {
        const params = queryParams(url, req.method, headers, body);
        const atMs = timeMs(params.get('time'), Date.now());
        if (atMs === undefined)
          return json(res, 400, {
            status: 'error',
            errorType: 'bad_data',
            error: `invalid parameter "time": cannot parse ${JSON.stringify(params.get('time'))} to a valid timestamp`,
          });
        const query = parseRunsQuery(params.get('query') ?? '');
        if (!query) return answer(res, fixture(MIMIR, 'query.bad_data'), {}, MIMIR);
        const value = evaluate(query, visible(), atMs);
        return value === undefined
          ? answer(res, fixture(MIMIR, 'query.empty'), {}, MIMIR)
          : answer(res, fixture(MIMIR, 'query.found'), { timeS: timeText(atMs), value: valueText(value) }, MIMIR);
      }
      return goError(res, 404, '404 page not found');
    },
  );
}

/** The `{{timeS}}` and `{{value}}` of a found answer, as the stand-in fills them. */
export const foundVars = (atMs: number, value: number) => ({ timeS: timeText(atMs), value: valueText(value) });
