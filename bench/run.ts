/**
 * petsage-smoke against a bare Koa app, in the same run, on 127.0.0.1. See bench/README.md.
 *   npm run bench            (npm run bench -- --short: a few seconds, as CI runs it)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { VERIFICATION_EVENT } from '../src/vocabulary';
import { tmpDir } from '../test/support/tmp';
import { verdictCounts } from '../test/support/verdicts';
import { benchApps, cpuSeconds, rssBytes, start, startReceiver, stop, type App, type Target } from './apps';
import { pacedLoad, sequentialLoad, type Timed } from './paced';

const SHORT = process.argv.includes('--short');
// Fixed request counts (not durations), so every response is counted for the loss check. Each
// count is per app, split over `rounds`; `starts` fresh spawns per app time the start-up.
const SETTINGS = SHORT
  ? { rounds: 1, starts: 1, saturateRequests: 3_000, connections: 50, fixedRate: 200, fixedRequests: 400, scrapes: 50 }
  : {
      rounds: 5,
      starts: 3,
      saturateRequests: 30_000,
      connections: 50,
      fixedRate: 200,
      fixedRequests: 3_000,
      scrapes: 500,
    };

/**
 * Times the run here, from the start to the last response: autocannon's own duration, and the
 * moment its promise settles, fall on its once-a-second tick, up to a second late.
 */
async function load(target: Target, options: Partial<autocannon.Options>) {
  const serverCpu0 = cpuSeconds(target.child.pid!);
  const generatorCpu0 = process.cpuUsage();
  const t0 = performance.now();
  let lastResponse = t0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: `${target.url}/smoke-test`, ...options },
      (err: unknown, done: autocannon.Result) => (err ? reject(err as Error) : resolve(done)),
    );
    instance.on('response', () => (lastResponse = performance.now()));
  });
  target.okResponses += result['2xx'];
  const generatorCpu = process.cpuUsage(generatorCpu0);
  return {
    ...result,
    seconds: (lastResponse - t0) / 1000,
    serverCpuSeconds: cpuSeconds(target.child.pid!) - serverCpu0,
    generatorCpuSeconds: (generatorCpu.user + generatorCpu.system) / 1e6,
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
const median = (values: number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
/** p50 and p99 in milliseconds, rounded to 10 µs. */
const percentiles = (latenciesMs: number[]) => {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { p50_ms: Number(quantile(sorted, 0.5).toFixed(2)), p99_ms: Number(quantile(sorted, 0.99).toFixed(2)) };
};

/** What one app collects over the rounds. */
interface Samples {
  roundRps: number[];
  /** Per saturated round: the app's CPU per 2xx response, and the load generator's busy share of a core. */
  roundCpuUs: number[];
  roundGeneratorBusy: number[];
  non2xx: number;
  fixed: Timed[];
  scrapes: Timed[];
  rssIdle: number;
}

/**
 * Every phase runs in rounds, and each round gives every app its share in turn (the order
 * rotating), so a slow stretch of this VM falls on all three apps alike, not on whichever app
 * happened to run then. Throughput is the median of an app's rounds; latencies are pooled.
 */
async function measure(targets: Target[]): Promise<Map<Target, Samples>> {
  const samples = new Map<Target, Samples>(
    targets.map((t) => [
      t,
      { roundRps: [], roundCpuUs: [], roundGeneratorBusy: [], non2xx: 0, fixed: [], scrapes: [], rssIdle: 0 },
    ]),
  );
  const at = (t: Target) => samples.get(t)!;
  await new Promise((r) => setTimeout(r, 1000));
  for (const t of targets) at(t).rssIdle = rssBytes(t.child.pid!);
  const share = (total: number) => Math.ceil(total / SETTINGS.rounds);
  const rotated = (round: number) => targets.map((_, i) => targets[(i + round) % targets.length]!);
  for (let round = 0; round < SETTINGS.rounds; round += 1) {
    for (const t of rotated(round)) {
      const saturated = await load(t, { connections: SETTINGS.connections, amount: share(SETTINGS.saturateRequests) });
      at(t).roundRps.push(saturated['2xx'] / saturated.seconds);
      at(t).roundCpuUs.push((saturated.serverCpuSeconds * 1e6) / saturated['2xx']);
      at(t).roundGeneratorBusy.push(saturated.generatorCpuSeconds / saturated.seconds);
      at(t).non2xx += saturated.non2xx + saturated.errors;
    }
  }
  for (let round = 0; round < SETTINGS.rounds; round += 1) {
    for (const t of rotated(round)) {
      const fixed = await pacedLoad(`${t.url}/smoke-test`, SETTINGS.fixedRate, share(SETTINGS.fixedRequests));
      t.okResponses += fixed.ok;
      at(t).fixed.push(fixed);
      if (t.name !== 'bare-koa') at(t).scrapes.push(await sequentialLoad(`${t.url}/metrics`, share(SETTINGS.scrapes)));
    }
  }
  return samples;
}

function summarize(target: Target, s: Samples, startMs: number) {
  const pooled = (runs: Timed[]) => ({
    latencies: runs.flatMap((r) => r.latenciesMs),
    failed: runs.reduce((n, r) => n + r.failed, 0),
  });
  const fixed = pooled(s.fixed);
  const scrape = pooled(s.scrapes);
  const fixedPercentiles = percentiles(fixed.latencies);
  return {
    throughput_rps: Number(median(s.roundRps).toFixed(0)),
    throughput_rounds_rps: s.roundRps.map((r) => Math.round(r)),
    saturated_non2xx: s.non2xx,
    cpu_us_per_request: Number(median(s.roundCpuUs).toFixed(0)),
    load_generator_busy: Number(median(s.roundGeneratorBusy).toFixed(2)),
    fixed_rate_rps: SETTINGS.fixedRate,
    fixed_p50_ms: fixedPercentiles.p50_ms,
    fixed_p99_ms: fixedPercentiles.p99_ms,
    fixed_failed: fixed.failed,
    metrics_scrape: s.scrapes.length > 0 ? { ...percentiles(scrape.latencies), failed: scrape.failed } : undefined,
    start_to_ready_ms: Number(startMs.toFixed(1)),
    rss_idle_mib: Number((s.rssIdle / 2 ** 20).toFixed(1)),
    rss_after_load_mib: Number((rssBytes(target.child.pid!) / 2 ** 20).toFixed(1)),
  };
}

/**
 * How the daemon's runs were read back: its log verdicts by outcome/reason (the non-zero ones), once
 * they stop coming in (the log is read back every 250 ms). A run beyond the verification capacity
 * counts as skipped/over_capacity.
 */
async function readBack(target: Target) {
  const verdicts = async () => (await verdictCounts(target.url, 'log')).byKind;
  const total = (byKind: Record<string, number>) => Object.values(byKind).reduce((a, b) => a + b, 0);
  let last = await verdicts();
  for (let polls = 0; polls < 20; polls += 1) {
    await new Promise((r) => setTimeout(r, 500));
    const next = await verdicts();
    if (total(next) === total(last)) break;
    last = next;
  }
  return last;
}

async function main() {
  const receiver = await startReceiver();
  const dir = tmpDir('petsage-bench-');
  const logFile = path.join(dir, 'smoke.log');
  const apps = benchApps(dir, receiver.endpoint);
  // The measured apps log to a file each (the loss check reads the daemon's); start-up spawns elsewhere.
  const logOf = (app: App) => (app.name === 'petsage-smoke' ? logFile : path.join(dir, `${app.name}.log`));

  // Start-up: fresh spawns, taken in turn like the rounds, each stopped once ready.
  const startMs = new Map<string, number[]>(apps.map((a) => [a.name, []]));
  for (let i = 0; i < SETTINGS.starts; i += 1) {
    for (const app of apps) {
      const t = await start(app.name, (port) => app.args(port, path.join(dir, 'start-up.log')), app.env);
      startMs.get(app.name)!.push(t.readyMs);
      await stop(t);
    }
  }

  const targets: Target[] = [];
  for (const app of apps) targets.push(await start(app.name, (port) => app.args(port, logOf(app)), app.env));
  const [bare, floor, daemon] = targets as [Target, Target, Target];
  const samples = await measure(targets);
  const result = (t: Target) => summarize(t, samples.get(t)!, median(startMs.get(t.name)!));
  const [bareResult, floorResult, daemonResult] = [result(bare), result(floor), result(daemon)];
  await stop(bare);
  await stop(floor);
  const readBackVerdicts = await readBack(daemon);
  const exitCode = await stop(daemon);
  const { runSpans: spansReceived, runRecords: recordsReceived } = (await receiver.ask('count')) as {
    runSpans: number;
    runRecords: number;
  };
  receiver.close();

  const lines = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const stopped = lines.find((l) => l.event === 'daemon.stopped');
  const loss = {
    responses_200: daemon.okResponses,
    log_lines: lines.filter((l) => l.event === VERIFICATION_EVENT).length,
    counter: Number(stopped?.runs_total),
    spans_received: spansReceived,
    log_records_received: recordsReceived,
    spans_dropped: Number(stopped?.spans_dropped),
    spans_failed: Number(stopped?.spans_failed),
    exit_code: exitCode,
  };
  /** How an app compares with bare Koa: throughput share, p99 and start-up multiples. */
  const against = (r: ReturnType<typeof summarize>) => ({
    throughput_ratio: Number((r.throughput_rps / bareResult.throughput_rps).toFixed(3)),
    p99_ratio: Number((r.fixed_p99_ms / Math.max(bareResult.fixed_p99_ms, 0.001)).toFixed(2)),
    start_ratio: Number((r.start_to_ready_ms / bareResult.start_to_ready_ms).toFixed(2)),
  });
  const floorRatios = against(floorResult);
  const report = {
    mode: SHORT ? 'short' : 'full',
    settings: SETTINGS,
    node: process.version,
    bare_koa: bareResult,
    required_stack: { ...floorResult, ...floorRatios },
    petsage_smoke: daemonResult,
    ...against(daemonResult),
    read_back: { runs: daemon.okResponses, log_verdicts: readBackVerdicts },
    loss,
    zero_loss:
      new Set([loss.responses_200, loss.log_lines, loss.counter, loss.spans_received, loss.log_records_received])
        .size === 1,
  };
  const verdicts = judgeTargets(report, floorResult, daemonResult);
  const row = (label: string, ...cells: unknown[]) => `| ${label} | ${cells.map(String).join(' | ')} |`;
  const scrape = (r: ReturnType<typeof summarize>) =>
    `${r.metrics_scrape!.p50_ms.toFixed(2)} / ${r.metrics_scrape!.p99_ms.toFixed(2)}`;
  const rss = (r: ReturnType<typeof summarize>) => `${r.rss_idle_mib} / ${r.rss_after_load_mib}`;
  const md = [
    '| measure | bare Koa | required stack | petsage-smoke |',
    '|---|---|---|---|',
    row(
      'throughput, saturated (req/s)',
      bareResult.throughput_rps,
      `${floorResult.throughput_rps} (${(floorRatios.throughput_ratio * 100).toFixed(0)} %)`,
      `${daemonResult.throughput_rps} (${(report.throughput_ratio * 100).toFixed(0)} %)`,
    ),
    row(
      'CPU per request, saturated (µs, user + system)',
      bareResult.cpu_us_per_request,
      floorResult.cpu_us_per_request,
      daemonResult.cpu_us_per_request,
    ),
    row(
      'load generator busy, saturated (share of a core)',
      bareResult.load_generator_busy,
      floorResult.load_generator_busy,
      daemonResult.load_generator_busy,
    ),
    row(
      `latency p50 at ${SETTINGS.fixedRate} req/s (ms)`,
      bareResult.fixed_p50_ms,
      floorResult.fixed_p50_ms,
      daemonResult.fixed_p50_ms,
    ),
    row(
      `latency p99 at ${SETTINGS.fixedRate} req/s (ms)`,
      bareResult.fixed_p99_ms,
      `${floorResult.fixed_p99_ms} (${floorRatios.p99_ratio}x)`,
      `${daemonResult.fixed_p99_ms} (${report.p99_ratio}x)`,
    ),
    row('/metrics scrape p50 / p99 (ms)', '-', scrape(floorResult), scrape(daemonResult)),
    row(
      'start to ready (ms)',
      bareResult.start_to_ready_ms,
      `${floorResult.start_to_ready_ms} (${floorRatios.start_ratio}x)`,
      `${daemonResult.start_to_ready_ms} (${report.start_ratio}x)`,
    ),
    row('RSS idle / after load (MiB)', rss(bareResult), rss(floorResult), rss(daemonResult)),
    row(
      'runs read back (log verdicts)',
      '-',
      '-',
      `${Object.entries(readBackVerdicts)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ')} of ${daemon.okResponses} runs`,
    ),
    row(
      'loss check: 200s = log lines = counter = spans = log records',
      '-',
      '-',
      `${loss.responses_200} = ${loss.log_lines} = ${loss.counter} = ${loss.spans_received} = ${loss.log_records_received} (${report.zero_loss ? 'no loss' : 'LOSS'})`,
    ),
  ].join('\n');
  const verdictLines = verdicts.map((t) => `${t.met ? 'met    ' : 'NOT MET'}  ${t.target}: ${t.measured}`).join('\n');
  process.stdout.write(`${JSON.stringify({ ...report, targets: verdicts }, null, 2)}\n\n${md}\n\n${verdictLines}\n`);
}

type Summary = ReturnType<typeof summarize>;

/** The targets of bench/README.md, each judged on this run's figures. */
function judgeTargets(
  report: {
    throughput_ratio: number;
    p99_ratio: number;
    read_back: { runs: number; log_verdicts: Record<string, number> };
    loss: { exit_code: number };
    zero_loss: boolean;
  },
  floor: Summary,
  daemon: Summary,
) {
  const ratio = (a: number, b: number) => a / Math.max(b, 1e-9);
  const verified = report.read_back.log_verdicts.verified ?? 0;
  const overCapacity = report.read_back.log_verdicts['skipped/over_capacity'] ?? 0;
  const target = (name: string, met: boolean, measured: string) => ({ target: name, met, measured });
  return [
    target(
      'CPU per request <= 1.25x the required stack',
      ratio(daemon.cpu_us_per_request, floor.cpu_us_per_request) <= 1.25,
      `${daemon.cpu_us_per_request} / ${floor.cpu_us_per_request} µs = ${ratio(daemon.cpu_us_per_request, floor.cpu_us_per_request).toFixed(2)}x`,
    ),
    target(
      'saturated throughput >= 75 % of bare Koa',
      report.throughput_ratio >= 0.75,
      `${(report.throughput_ratio * 100).toFixed(0)} %`,
    ),
    target(
      'saturated throughput >= 90 % of the required stack',
      ratio(daemon.throughput_rps, floor.throughput_rps) >= 0.9,
      `${(ratio(daemon.throughput_rps, floor.throughput_rps) * 100).toFixed(0)} %`,
    ),
    target(
      '>= 99 % of the runs read back and verified, none over capacity',
      verified >= 0.99 * report.read_back.runs && overCapacity === 0,
      `${verified} of ${report.read_back.runs} verified, ${overCapacity} over capacity`,
    ),
    target('p99 at the fixed rate <= 1.5x bare Koa', report.p99_ratio <= 1.5, `${report.p99_ratio}x`),
    target(
      '/metrics p99 <= 5 ms',
      (daemon.metrics_scrape?.p99_ms ?? Infinity) <= 5,
      `${daemon.metrics_scrape?.p99_ms} ms`,
    ),
    target(
      'start to ready <= 1.15x the required stack',
      ratio(daemon.start_to_ready_ms, floor.start_to_ready_ms) <= 1.15,
      `${ratio(daemon.start_to_ready_ms, floor.start_to_ready_ms).toFixed(2)}x`,
    ),
    target(
      'RSS after load <= 1.3x the required stack',
      ratio(daemon.rss_after_load_mib, floor.rss_after_load_mib) <= 1.3,
      `${daemon.rss_after_load_mib} / ${floor.rss_after_load_mib} MiB = ${ratio(daemon.rss_after_load_mib, floor.rss_after_load_mib).toFixed(2)}x`,
    ),
    target(
      'zero loss: 200s = log lines = counter = spans = log records, exit 0',
      report.zero_loss && report.loss.exit_code === 0,
      report.zero_loss ? `no loss, exit ${report.loss.exit_code}` : `LOSS, exit ${report.loss.exit_code}`,
    ),
  ];
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1); // the receiver's IPC channel would keep a failed run waiting
});
