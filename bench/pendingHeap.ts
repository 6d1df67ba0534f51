/**
 * What a run awaiting its verdict keeps: a daemon with slow read-back polls (once a minute, the
 * longest allowed: the log tail and the counter are not read while it is measured, the exporter's
 * acknowledgements land) is sent runs on loopback, and its live heap taken after a full GC with 0,
 * a warm-up's worth and N more pending runs, all within the first minute. See bench/README.md.
 *   node dist/bench/pendingHeap.js [--runs N] [--snapshots DIR]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { tmpDir } from '../test/support/tmp';
import { verdictCounts } from '../test/support/verdicts';
import { benchApps, start, startReceiver, stop } from './apps';

const arg = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const RUNS = Number(arg('--runs') ?? 50_000);
/** Fills the ledgers' receipts, so the measured runs add pending runs only. */
const WARM_UP = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function fire(url: string, amount: number) {
  const result = await new Promise<autocannon.Result>((resolve, reject) =>
    autocannon({ url: `${url}/smoke-test`, connections: 20, amount }, (err: unknown, r: autocannon.Result) =>
      err ? reject(err as Error) : resolve(r),
    ),
  );
  return result['2xx'];
}

async function main() {
  const receiver = await startReceiver();
  const dir = tmpDir('petsage-heap-');
  const out = path.join(dir, 'heap.jsonl');
  const daemon = benchApps(dir, receiver.endpoint).find((a) => a.name === 'petsage-smoke')!;
  const target = await start(
    daemon.name,
    (port) => [
      '--expose-gc',
      '--require',
      path.join(__dirname, 'heapProbe.js'),
      ...daemon.args(port, path.join(dir, 'smoke.log')),
    ],
    {
      ...daemon.env,
      PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '1m',
      PETSAGE_SMOKE_VERIFY_TIMEOUT: '1h',
      PETSAGE_SMOKE_VERIFY_MAX_PENDING: String(RUNS + WARM_UP),
      PETSAGE_SMOKE_STATE_WRITE_INTERVAL: '1h', // the state file's writes would come and go in the figures
      HEAP_PROBE_OUT: out,
      ...(arg('--snapshots') ? { HEAP_PROBE_SNAPSHOTS: arg('--snapshots')! } : {}),
    },
  );
  const probe = async () => {
    const before = readFileSync(out, { flag: 'a+' }).toString().split('\n').filter(Boolean).length;
    target.child.kill('SIGUSR2');
    for (;;) {
      await sleep(200);
      const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
      if (lines.length > before)
        return JSON.parse(lines[lines.length - 1]!) as { usedHeap: number; data: number; rss: number };
    }
  };
  // Exports leave every second; wait for their acknowledgements before each measure.
  const settle = () => sleep(3_000);

  const startedAt = performance.now() - target.readyMs;
  await settle();
  const idle = await probe();
  const warm = await fire(target.url, WARM_UP);
  await settle();
  const warmed = await probe();
  const measured = await fire(target.url, RUNS);
  await settle();
  const loaded = await probe();
  // Measured before the first poll, or the figure is not of pending runs: no log verdict yet.
  const logVerdicts = (await verdictCounts(target.url, 'log')).byKind;
  const seconds = (performance.now() - startedAt) / 1000;
  await stop(target);
  receiver.close();

  const perRun = (bytes: number, runs: number) => Math.round(bytes / runs);
  const report = {
    runs: { warm_up: warm, measured },
    measured_within_s: Number(seconds.toFixed(1)),
    log_verdicts_at_measure: logVerdicts,
    heap_mib: {
      idle: Number((idle.usedHeap / 2 ** 20).toFixed(1)),
      warmed_up: Number((warmed.usedHeap / 2 ** 20).toFixed(1)),
      loaded: Number((loaded.usedHeap / 2 ** 20).toFixed(1)),
    },
    rss_mib: { idle: Number((idle.rss / 2 ** 20).toFixed(1)), loaded: Number((loaded.rss / 2 ** 20).toFixed(1)) },
    /** (heap with N - heap with 0) / N, the ledgers' receipts and the code compiled on the way included. */
    bytes_per_run_from_idle: perRun(loaded.usedHeap - idle.usedHeap, warm + measured),
    /** The same past the warm-up, data alone (no compiled code): a pending run, the receipts full already. */
    bytes_per_pending_run: perRun(loaded.data - warmed.data, measured),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
