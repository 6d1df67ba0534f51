/**
 * Where each app's CPU goes per request: every app loaded as in the bench's saturated phase under
 * V8's CPU profiler, each sample taken in the loaded window put in a stage. See bench/README.md.
 *   npm run bench:profile            (-- --requests N; -- --short: a few seconds, as CI runs it)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { tmpDir } from '../test/support/tmp';
import { benchApps, cpuSeconds, start, startReceiver, stop, type App } from './apps';
import { classify, type CpuProfile } from './stages';

const SHORT = process.argv.includes('--short');
const requestsArg = process.argv.indexOf('--requests');
const REQUESTS = requestsArg > 0 ? Number(process.argv[requestsArg + 1]) : SHORT ? 2_000 : 30_000;
const WARM_UP = SHORT ? 500 : 5_000;
const SAMPLE_US = 100;

const load = (url: string, amount: number) =>
  new Promise<autocannon.Result>((resolve, reject) =>
    autocannon({ url: `${url}/smoke-test`, connections: 50, amount }, (err: unknown, r: autocannon.Result) =>
      err ? reject(err as Error) : resolve(r),
    ),
  );
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n); // V8's profile clock is the same CLOCK_MONOTONIC

async function profile(app: App, dir: string) {
  const profDir = path.join(dir, `${app.name}-profile`);
  const target = await start(
    app.name,
    (port) => [
      '--cpu-prof',
      `--cpu-prof-dir=${profDir}`,
      `--cpu-prof-interval=${SAMPLE_US}`,
      ...app.args(port, path.join(dir, `${app.name}.log`)),
    ],
    app.env,
  );
  await load(target.url, WARM_UP);
  const cpu0 = cpuSeconds(target.child.pid!);
  const fromUs = monotonicUs();
  const result = await load(target.url, REQUESTS);
  const toUs = monotonicUs();
  const processCpuUs = (cpuSeconds(target.child.pid!) - cpu0) * 1e6;
  await stop(target);
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))!;
  const stages = classify(JSON.parse(readFileSync(path.join(profDir, file), 'utf8')) as CpuProfile, fromUs, toUs);
  const perRequest = (us: number) => Number((us / result['2xx']).toFixed(1));
  return {
    profile: path.join(profDir, file),
    window_us: [fromUs, toUs],
    requests: result['2xx'],
    process_cpu_us_per_request: perRequest(processCpuUs),
    main_thread_us_per_request: perRequest([...stages.values()].reduce((a, b) => a + b, 0)),
    stages: Object.fromEntries([...stages].sort((a, b) => b[1] - a[1]).map(([stage, us]) => [stage, perRequest(us)])),
  };
}

async function main() {
  const receiver = await startReceiver();
  const dir = tmpDir('petsage-profile-');
  const results: Record<string, Awaited<ReturnType<typeof profile>>> = {};
  for (const app of benchApps(dir, receiver.endpoint)) results[app.name] = await profile(app, dir);
  receiver.close();

  const floor = results['required-stack']!;
  const daemon = results['petsage-smoke']!;
  const stageNames = [...new Set([...Object.keys(daemon.stages), ...Object.keys(floor.stages)])];
  const cell = (r: typeof daemon, stage: string) => r.stages[stage] ?? 0;
  const rows = stageNames
    .map((stage) => ({ stage, floor: cell(floor, stage), daemon: cell(daemon, stage) }))
    .sort((a, b) => b.daemon - b.floor - (a.daemon - a.floor));
  const md = [
    `| stage (µs per request, ${SAMPLE_US} µs samples) | bare Koa | required stack | petsage-smoke | daemon - required stack |`,
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.stage} | ${cell(results['bare-koa']!, r.stage)} | ${r.floor} | ${r.daemon} | ${(r.daemon - r.floor).toFixed(1)} |`,
    ),
    `| **main thread, all stages** | ${results['bare-koa']!.main_thread_us_per_request} | ${floor.main_thread_us_per_request} | ${daemon.main_thread_us_per_request} | ${(daemon.main_thread_us_per_request - floor.main_thread_us_per_request).toFixed(1)} |`,
    `| **process CPU, all threads (/proc)** | ${results['bare-koa']!.process_cpu_us_per_request} | ${floor.process_cpu_us_per_request} | ${daemon.process_cpu_us_per_request} | ${(daemon.process_cpu_us_per_request - floor.process_cpu_us_per_request).toFixed(1)} |`,
  ].join('\n');
  process.stdout.write(
    `${JSON.stringify({ mode: SHORT ? 'short' : 'full', requests: REQUESTS, node: process.version, results }, null, 2)}\n\n${md}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
