/**
 * Verification lag per signal: a real Prometheus scraping every 1 s, the daemon running a
 * scheduled smoke run every 100 ms; after RUNS runs, every run's receipt is read and the lag
 * from emit to confirmation is summarised (p50, p99) per signal.
 *
 *   npm run bench:lag            (RUNS=200 npm run bench:lag for more)
 */
import { VERIFICATION_EVENT } from '../src/vocabulary';
import { jsonLines, spawnDaemon } from '../test/support/daemon';
import { freePort, startPrometheus } from '../test/support/prometheus';
import { receiptOf } from '../test/support/receipts';

const RUNS = Number(process.env.RUNS ?? 120);
const TIMEOUT_S = 10;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

async function main(): Promise<void> {
  const port = await freePort();
  const daemon = await spawnDaemon({
    env: {
      PETSAGE_SMOKE_PROMETHEUS_URL: `http://127.0.0.1:${port}`,
      PETSAGE_SMOKE_INTERVAL: '100ms',
      PETSAGE_SMOKE_VERIFY_TIMEOUT: `${TIMEOUT_S}s`,
      PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '100ms',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    },
  });
  const prometheus = await startPrometheus([new URL(daemon.url).host], { port });
  try {
    // Count from runs made once Prometheus scrapes the daemon: its target discovery takes a few
    // seconds at start-up, which is not the lag being measured.
    while ((await prometheus.query(`up{instance="${new URL(daemon.url).host}"} == 1`)).length === 0) await new Promise((r) => setTimeout(r, 200));
    const upAt = jsonLines(daemon.logFile).filter((l) => l.event === VERIFICATION_EVENT).length;
    const first = Number((await daemon.waitForEvent(VERIFICATION_EVENT, (l) => Number(l.seq) > upAt + 20)).seq);
    const last = await daemon.waitForEvent(VERIFICATION_EVENT, (l) => Number(l.seq) >= first + RUNS - 1);
    await new Promise((r) => setTimeout(r, (TIMEOUT_S + 2) * 1000)); // let the last runs settle
    const ids = jsonLines(daemon.logFile)
      .filter((l) => l.event === VERIFICATION_EVENT && Number(l.seq) >= first && Number(l.seq) <= Number(last.seq))
      .map((l) => String(l.run_id));
    const lags: Record<string, number[]> = { log: [], trace: [], metric: [] };
    const outcomes: Record<string, number> = {};
    for (const id of ids) {
      const receipt = await receiptOf(daemon.url, id);
      outcomes[receipt.outcome] = (outcomes[receipt.outcome] ?? 0) + 1;
      for (const signal of Object.keys(lags)) {
        const check = receipt.checks[`${signal}:verification`]?.[0];
        if (check?.outcome === 'verified' && check.observedValue !== undefined) lags[signal]!.push(check.observedValue);
      }
    }
    const rows = Object.entries(lags).map(([signal, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { signal, verified: values.length, p50_s: quantile(sorted, 0.5), p99_s: quantile(sorted, 0.99), max_s: sorted.at(-1) ?? NaN };
    });
    const result = { runs: ids.length, outcomes, scrape_interval_s: 1, schedule_interval_ms: 100, lag: rows };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n`);
    process.stdout.write(`| signal | verified | p50 (s) | p99 (s) | max (s) |\n|---|---|---|---|---|\n`);
    for (const r of rows) process.stdout.write(`| ${r.signal} | ${r.verified}/${ids.length} | ${r.p50_s.toFixed(3)} | ${r.p99_s.toFixed(3)} | ${r.max_s.toFixed(3)} |\n`);
  } finally {
    await prometheus.stop();
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
