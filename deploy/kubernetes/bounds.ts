/**
 * What the daemon can write to its var/ volume and hold in memory, computed from a config's keys and
 * the bounds the project documents (docs/http-api.md "Limits", docs/operations.md "Files on disk", bench/README.md). The
 * Kubernetes manifests' emptyDir `sizeLimit`, memory limit and V8 heap limit are these, rounded up; a
 * test (test/deploy/kubernetes.test.ts) fails while a manifest and its config disagree.
 *
 *   node dist/deploy/kubernetes/bounds.js deploy/kubernetes/base/petsage-smoke.yaml
 *
 * prints every term and the three values to set (the config is loaded as in the pod: NODE_ENV=production).
 */
import { loadConfig, type Config } from '../../src/config/load';
import { pipelinesOf, spanFileOf, type PipelineConfig } from '../../src/config/pipelines';
import { MAX_CLIENTS } from '../../src/http/access';
import { ANSWER_LIMITS } from '../../src/readers/limits';
import { MAX_NAMED_IDS } from '../../src/runs';

const KiB = 1024;
const MiB = 1024 ** 2;

/** What one item of each kind takes, and where that figure comes from. */
export const PER_ITEM = {
  /** RSS of an idle daemon with one pipeline (bench/README.md: ~90 MiB). */
  idleRss: 90 * MiB,
  /** Each named pipeline besides: its exporters, readers and series (measured: three, pushing their counters too, add ~12 MiB to an idle daemon). */
  pipelineRss: 4 * MiB,
  /** Heap of one run awaiting verification (test/verify/pending.test.ts holds it under 400 B after a full collection). */
  pendingRun: 400,
  /** A caller-named run id remembered past its receipt: 128 characters at most, in a Set (measured: ~160 B). */
  namedId: 160,
  /** A receipt kept in the ledger: a settled run's report. */
  receipt: 1_900,
  /** A log line logged and not yet written to the file: its record and its JSON text. */
  logLine: 2 * KiB,
  /** A span or log record queued for export: the SDK's object with its attributes. */
  exportItem: 2 * KiB,
  /** A span in the span file (OTLP/JSON); a file passes maxSize by at most one batch of them. */
  spanLine: 2 * KiB,
  /** A log line in the log file; a file passes maxSize by at most one line. */
  fileLine: 4 * KiB,
  /** A line of the state file: one run (about 1 KB). */
  stateLine: 1 * KiB,
  /** The state file's header and per-pipeline lines. */
  stateHeader: 4 * KiB,
  /** A lock file next to the state, log and span file: a few bytes, one disk block. */
  lockFile: 4 * KiB,
  /** A client remembered by the rate limit (at most MAX_CLIENTS: docs/http-api.md "Access"). */
  rateLimitClient: 256,
  /** An open connection: up to 16 KiB of headers, a 4 KiB body, the socket and its parser (docs/http-api.md "Limits"). */
  connection: 32 * KiB,
  /** One answer parsed: at most 200,000 values (src/readers/httpClient.ts ANSWER_BOUNDS), whatever its bytes. */
  parsedAnswer: 16 * MiB,
} as const;

/**
 * V8 keeps garbage until it collects, and grows its old generation ahead of the live set: the
 * long-lived heap is counted with this much room (the bench's RSS after a full load is ~1.5x its live heap).
 */
export const HEAP_GROWTH = 1.5;
/** The V8 heap limit (--max-old-space-size) is this share of the memory limit; the rest is code, stacks and buffers. */
export const HEAP_SHARE = 0.75;
/** Limits are set in whole multiples of this. */
export const ROUND_TO = 32 * MiB;

export interface Term {
  readonly what: string;
  /** How it is computed, with the config's keys and values. */
  readonly formula: string;
  readonly bytes: number;
}

export interface Bounds {
  readonly disk: { readonly terms: readonly Term[]; readonly bytes: number; readonly sizeLimitMi: number };
  readonly memory: {
    readonly terms: readonly Term[];
    readonly bytes: number;
    readonly limitMi: number;
    readonly maxOldSpaceMi: number;
  };
}

const roundUpMi = (bytes: number) => (Math.ceil(bytes / ROUND_TO) * ROUND_TO) / MiB;
const sum = (terms: readonly Term[]) => terms.reduce((total, t) => total + t.bytes, 0);
const term = (what: string, formula: string, bytes: number): Term => ({ what, formula, bytes: Math.ceil(bytes) });

/** Runs kept for spot checks by one pipeline: one per spot interval over the horizon. */
const spotRuns = (p: PipelineConfig) =>
  p.retention.spotInterval > 0 ? Math.ceil(p.retention.horizon / p.retention.spotInterval) + 1 : 0;

/** Whether a pipeline sends its log record over OTLP (log.otlp.exporter auto: when an endpoint is set). */
const exportsLogRecords = (p: PipelineConfig) =>
  p.log.otlp.exporter === 'otlp' ||
  (p.log.otlp.exporter === 'auto' && !!(p.log.otlp.endpoint || p.log.otlp.logsEndpoint));

/** When each reader with answer caps is on: a Record, so a reader added to ANSWER_LIMITS without a line here does not compile. */
const READER_ON: Record<keyof typeof ANSWER_LIMITS, (verify: PipelineConfig['verify']) => boolean> = {
  loki: ({ log }) => log.enabled && log.loki.url !== '',
  traceById: ({ traces }) => traces.enabled && (traces.queryUrl || traces.tempo.url || traces.jaeger.url) !== '',
  tempoSearch: ({ traces }) => traces.enabled && traces.tempo.url !== '' && traces.tempo.search,
  prometheus: ({ metrics }) => metrics.enabled && metrics.prometheusUrl !== '',
};

/** The backends a pipeline reads back from over HTTP, each with its answers' cap and concurrency. */
function readersOf(p: PipelineConfig): { name: keyof typeof ANSWER_LIMITS; maxBytes: number; inFlight: number }[] {
  return (Object.keys(READER_ON) as (keyof typeof ANSWER_LIMITS)[])
    .filter((name) => READER_ON[name](p.verify))
    .map((name) => ({ name, ...ANSWER_LIMITS[name] }));
}

/** The state file's size: per pipeline, at most state.maxRuns pending runs and its spot-check runs, a line each. */
function stateBytes(config: Config): number {
  if (!config.state.path) return 0;
  return pipelinesOf(config).reduce(
    (total, p) => total + PER_ITEM.stateHeader + (config.state.maxRuns + spotRuns(p)) * PER_ITEM.stateLine,
    PER_ITEM.stateHeader,
  );
}

export function bounds(config: Config): Bounds {
  const pipelines = pipelinesOf(config);
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

  // The volume: every file the daemon writes under it.
  const disk: Term[] = [];
  const { file } = config.log;
  if (file.enabled)
    disk.push(
      term(
        'log file and its rotated files',
        `(log.file.maxFiles ${file.maxFiles} + 1) x log.file.maxSize ${mib(file.maxSize)} + one line`,
        (file.maxFiles + 1) * file.maxSize + PER_ITEM.fileLine,
      ),
    );
  for (const p of pipelines) {
    if (!spanFileOf(p.traces)) continue;
    const { maxFiles, maxSize } = p.traces.file;
    disk.push(
      term(
        `span file of pipeline ${p.name}`,
        `(traces.file.maxFiles ${maxFiles} + 1) x traces.file.maxSize ${mib(maxSize)} + one batch (traces.batch.maxExportBatchSize ${p.traces.batch.maxExportBatchSize} x ${PER_ITEM.spanLine} B)`,
        (maxFiles + 1) * maxSize + p.traces.batch.maxExportBatchSize * PER_ITEM.spanLine,
      ),
    );
  }
  const state = stateBytes(config);
  if (state)
    disk.push(
      term(
        'state file, its .tmp at a write, and one copy set aside',
        `3 x (${pipelines.length} pipelines x (state.maxRuns ${config.state.maxRuns} + spot-check runs) x ${PER_ITEM.stateLine} B)`,
        3 * state,
      ),
    );
  const locks = (file.enabled ? 1 : 0) + (state ? 1 : 0) + pipelines.filter((p) => spanFileOf(p.traces)).length;
  disk.push(term('lock files', `${locks} x ${PER_ITEM.lockFile} B`, locks * PER_ITEM.lockFile));

  // Memory: an idle daemon, the heap that lives as long as its bounds allow (with room to grow), and
  // what is in flight (connections, answers being read).
  const pending = pipelines.reduce((n, p) => n + p.verify.maxPending + p.verify.maxPendingApi, 0);
  const spot = pipelines.reduce((n, p) => n + spotRuns(p), 0);
  const queued = pipelines.reduce(
    (n, p) =>
      n +
      (p.traces.exporter === 'none' ? 0 : p.traces.batch.maxQueueSize) +
      (exportsLogRecords(p) ? p.log.otlp.batch.maxQueueSize : 0),
    0,
  );
  const heap: Term[] = [
    term(
      'runs awaiting verification',
      `Σ pipelines (verify.maxPending + verify.maxPendingApi) = ${pending} x ${PER_ITEM.pendingRun} B`,
      pending * PER_ITEM.pendingRun,
    ),
    term(
      'receipts and spot-check runs',
      `(ledger.size ${config.ledger.size} + ledger.apiSize ${config.ledger.apiSize} + ${spot} spot-check runs) x ${PER_ITEM.receipt} B`,
      (config.ledger.size + config.ledger.apiSize + spot) * PER_ITEM.receipt,
    ),
    term('caller-named run ids', `${MAX_NAMED_IDS} x ${PER_ITEM.namedId} B`, MAX_NAMED_IDS * PER_ITEM.namedId),
    term(
      'log lines not yet written',
      `log.maxBacklog ${config.log.maxBacklog} x ${PER_ITEM.logLine} B`,
      config.log.maxBacklog * PER_ITEM.logLine,
    ),
    term(
      'spans and log records queued for export',
      `Σ pipelines (traces.batch.maxQueueSize + log.otlp.batch.maxQueueSize where exported) = ${queued} x ${PER_ITEM.exportItem} B`,
      queued * PER_ITEM.exportItem,
    ),
    term(
      'rate-limit budgets',
      config.rateLimit.max > 0 ? `${MAX_CLIENTS} clients x ${PER_ITEM.rateLimitClient} B` : 'rateLimit.max 0: none',
      config.rateLimit.max > 0 ? MAX_CLIENTS * PER_ITEM.rateLimitClient : 0,
    ),
    term('state at a write', `2 x the state file (${mib(state)}): the snapshot and its text`, 2 * state),
  ];
  const listeners = config.server.probes.enabled ? 2 : 1;
  const answers = pipelines.flatMap((p) => {
    const readers = readersOf(p);
    if (readers.length === 0) return [];
    const recheck = p.retention.spotInterval > 0 ? Math.max(...readers.map((r) => r.maxBytes)) : 0;
    const bytes = readers.reduce((n, r) => n + r.inFlight * r.maxBytes, 0) + recheck;
    return [
      term(
        `answers in flight, pipeline ${p.name}`,
        `2 x (${readers.map((r) => `${r.name} ${r.inFlight} x ${mib(r.maxBytes)}`).join(' + ')}${recheck ? ` + a spot check ${mib(recheck)}` : ''}): chunks, then one buffer`,
        2 * bytes,
      ),
    ];
  });
  const largestCap = Math.max(0, ...pipelines.flatMap((p) => readersOf(p).map((r) => r.maxBytes)));
  const memory: Term[] = [
    term(
      'idle daemon',
      `${mib(PER_ITEM.idleRss)} + ${pipelines.length - 1} named pipelines x ${mib(PER_ITEM.pipelineRss)}`,
      PER_ITEM.idleRss + (pipelines.length - 1) * PER_ITEM.pipelineRss,
    ),
    term(
      'long-lived heap, with room to grow',
      `${HEAP_GROWTH} x (${heap.map((t) => `${t.what} ${mib(t.bytes)}`).join(' + ')})`,
      HEAP_GROWTH * sum(heap),
    ),
    term(
      'open connections',
      `${listeners} listeners x server.maxConnections ${config.server.maxConnections} x ${PER_ITEM.connection / KiB} KiB`,
      listeners * config.server.maxConnections * PER_ITEM.connection,
    ),
    ...answers,
    ...(largestCap
      ? [
          term(
            'one answer as text and parsed',
            `${mib(largestCap)} + ${mib(PER_ITEM.parsedAnswer)}`,
            largestCap + PER_ITEM.parsedAnswer,
          ),
        ]
      : []),
  ];
  const memoryBytes = sum(memory);
  const limitMi = roundUpMi(memoryBytes);
  return {
    disk: { terms: disk, bytes: sum(disk), sizeLimitMi: roundUpMi(sum(disk)) },
    memory: { terms: memory, bytes: memoryBytes, limitMi, maxOldSpaceMi: Math.floor(limitMi * HEAP_SHARE) },
  };
}

/** The terms and the values to set, as a table. */
export function describeBounds(b: Bounds): string {
  const rows = (terms: readonly Term[]) =>
    terms.map((t) => `  ${(t.bytes / MiB).toFixed(1).padStart(7)} MiB  ${t.what}: ${t.formula}`).join('\n');
  return [
    `var/ volume: ${(b.disk.bytes / MiB).toFixed(1)} MiB -> emptyDir sizeLimit: ${b.disk.sizeLimitMi}Mi`,
    rows(b.disk.terms),
    `memory: ${(b.memory.bytes / MiB).toFixed(1)} MiB -> resources.limits.memory: ${b.memory.limitMi}Mi, NODE_OPTIONS=--max-old-space-size=${b.memory.maxOldSpaceMi}`,
    rows(b.memory.terms),
  ].join('\n');
}

if (require.main === module) {
  const files = process.argv.slice(2);
  for (const file of files.length ? files : ['deploy/kubernetes/base/petsage-smoke.yaml']) {
    // As in the pod: production, with a token from the Secret (its value does not change a bound).
    const config = loadConfig({ file, env: { NODE_ENV: 'production', PETSAGE_SMOKE_AUTH_TOKEN: 'x'.repeat(32) } });
    process.stdout.write(`${file}\n${describeBounds(bounds(config))}\n\n`);
  }
}
