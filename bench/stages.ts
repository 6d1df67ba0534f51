/**
 * Puts the samples of a V8 CPU profile into the stages of a request, for bench/profile.ts. A sample
 * belongs to the first frame, from the innermost out, that is a library or a module of ours: work
 * in Node's core or in a built-in (JSON.stringify, a stream write) counts for whoever called it.
 * prom-client, and our metrics module around it, count for the stage that asked for the metric
 * (the request, the run, the verdicts): one library serving several stages.
 */

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  parent?: number;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Packages by the stage they serve. */
const LIBRARIES: readonly [RegExp, string][] = [
  [
    /^(koa|@koa\/router|koa-compose|koa-convert|http-errors|on-finished|statuses|accepts|negotiator|content-type|cookies|vary|fresh|type-is|mime-types|encodeurl|escape-html|path-to-regexp|delegates|only|koa-ratelimit)$/,
    'Koa and routing (library)',
  ],
  [
    /^(winston|logform|triple-beam|winston-transport|readable-stream|safe-stable-stringify|@colors\/colors|fecha|ms|one-time|async)$/,
    'log line: winston',
  ],
  [
    /^@opentelemetry\/(sdk-logs|api-logs|exporter-logs-otlp-http|exporter-logs-otlp-proto|winston-transport)$/,
    'log record: OTel logs SDK',
  ],
  [/^@opentelemetry\/otlp-/, 'OTLP export (serialising, sending)'],
  [/^@opentelemetry\//, 'span: OTel trace SDK'],
  [/^(prom-client|tdigest|bintrees)$/, 'prom-client'],
  [/^zod$/, 'config (zod)'],
];

/** Our modules by stage, matched on the path under dist/src (or dist/bench). */
const OURS: readonly [RegExp, string][] = [
  [/^http\/requestMetrics/, 'request metrics'],
  [/^http\//, 'routing and envelope (ours)'],
  [/^smoke\/runSmokeTest/, 'the run (ours)'],
  [/^(smoke\/ledger|runs)\./, 'the ledger'],
  [/^verify\/(judge|pending|pendingRuns|verdicts|signalHealth|types)\./, 'judging'],
  [/^verify\/signalVerifier/, 'signal verifiers'],
  [/^verify\/spotChecks/, 'spot checks'],
  [/^readers\/(fileTail|logFile)/, 'reader: log file'],
  [/^readers\/(counter|ownMetrics)/, 'reader: own counter'],
  [/^readers\/exporterAck/, 'reader: exporter acknowledgements'],
  [/^readers\//, 'reader: other'],
  [/^telemetry\/(fileTransport|rotatingFile|logger)/, 'log line (ours)'],
  [/^telemetry\/otlpLogs/, 'log record (ours)'],
  [/^telemetry\/(spanPipeline|spanExporters|tracing|exportAccounting|otlpJsonFile)/, 'span (ours)'],
  [/^telemetry\/(metrics|exposition)/, 'metrics (ours)'],
  [/^(stateKeeper|stateFile)/, 'state file'],
  [/^requiredStack/, 'handler (required stack)'],
  [/^bareKoa/, 'handler (bare Koa)'],
];

const PACKAGE = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;
const OUR_MODULE = /\/dist\/(?:src|bench)\/(.+)$/;

function libraryStage(url: string): string | undefined {
  const pkg = PACKAGE.exec(url)?.[1];
  if (!pkg) return undefined;
  return LIBRARIES.find(([re]) => re.test(pkg))?.[1] ?? `other library: ${pkg}`;
}

function ourStage(url: string): string | undefined {
  if (url.includes('/node_modules/')) return undefined;
  const file = OUR_MODULE.exec(url)?.[1];
  if (!file) return undefined;
  return OURS.find(([re]) => re.test(file))?.[1] ?? `ours: ${file.replace(/\.js$/, '')}`;
}

/** V8's own pseudo-frames: idle time is no stage at all. */
const V8_BUCKETS: Readonly<Record<string, string | null>> = {
  '(idle)': null,
  '(garbage collector)': 'GC',
  '(program)': 'V8 and native, outside JS ((program))',
};
const NODE_CORE = 'Node core (HTTP parser, sockets, timers)';

/** Microseconds per stage, of the samples taken between `fromUs` and `toUs` (the profile's clock). */
export function classify(profile: CpuProfile, fromUs: number, toUs: number): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const node of profile.nodes) for (const child of node.children ?? []) byId.get(child)!.parent = node.id;
  const stageOf = new Map<number, string | null>();

  function stage(id: number): string | null {
    const known = stageOf.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const bucket = V8_BUCKETS[node.callFrame.functionName];
    const own = libraryStage(node.callFrame.url) ?? ourStage(node.callFrame.url);
    let found: string | null;
    if (bucket !== undefined) found = bucket;
    else if (own === 'prom-client' || own === 'metrics (ours)') found = metricFor(node) ?? own;
    else found = own ?? (node.parent === undefined ? NODE_CORE : stage(node.parent));
    stageOf.set(id, found);
    return found;
  }
  /** The stage that asked for a metric: the first module of ours outside the metrics themselves. */
  function metricFor(node: ProfileNode): string | undefined {
    for (let n: ProfileNode | undefined = node; n; n = n.parent === undefined ? undefined : byId.get(n.parent)) {
      const ours = ourStage(n.callFrame.url);
      if (ours && ours !== 'metrics (ours)') return ours === 'request metrics' ? ours : `metrics: ${ours}`;
    }
    return undefined;
  }

  const totals = new Map<string, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i] ?? 0;
    const weight = profile.timeDeltas[i + 1] ?? 0;
    if (at < fromUs || at > toUs) continue;
    const s = stage(profile.samples[i]!);
    if (s !== null) totals.set(s, (totals.get(s) ?? 0) + weight);
  }
  return totals;
}
