/**
 * Verification lag per signal and backend, in three set-ups: the embedded default (log file,
 * exporter acknowledgement, own /metrics); a Grafana stack (Loki and Tempo stand-ins receiving OTLP,
 * Tempo read by id and by search, a real Prometheus scraping every 1 s); Jaeger (stand-in) with a
 * real VictoriaMetrics. A scheduled run every 100 ms; after RUNS runs per set-up, every run's
 * receipt is read and the lag from emit to confirmation summarised (p50, p99, max).
 *
 *   npm run bench:lag              (RUNS=200 by default; npm run bench:lag -- --short: 10 runs each)
 */
import { VERIFICATION_EVENT } from '../src/vocabulary';
import { jsonLines, spawnDaemon, UNLIMITED } from '../test/support/daemon';
import { freePort, startPrometheus } from '../test/support/prometheus';
import { receiptOf } from '../test/support/receipts';
import { startJaeger } from '../test/support/standins/jaeger';
import { startLoki } from '../test/support/standins/loki';
import { startTempo } from '../test/support/standins/tempo';
import { startVictoriaMetrics } from '../test/support/victoriaMetrics';

const SHORT = process.argv.includes('--short');
const RUNS = SHORT ? 10 : Number(process.env.RUNS ?? 200);
const TIMEOUT_S = 30;

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number);

interface SetUp {
  name: string;
  /** Starts the stores; returns the daemon's environment, a way to wait until the metric store scrapes it, and a stop. */
  start(
    port: number,
  ): Promise<{ env: Record<string, string>; scraping?: () => Promise<boolean>; stop: () => Promise<void> }>;
}

const COMMON = {
  ...UNLIMITED,
  PETSAGE_SMOKE_INTERVAL: '100ms',
  PETSAGE_SMOKE_VERIFY_TIMEOUT: `${TIMEOUT_S}s`,
  PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '100ms',
  OTEL_BSP_SCHEDULE_DELAY: '200',
  OTEL_BLRP_SCHEDULE_DELAY: '200',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
};

const SET_UPS: SetUp[] = [
  { name: 'embedded default', start: () => Promise.resolve({ env: {}, stop: () => Promise.resolve() }) },
  {
    name: 'Loki + Tempo (stand-ins) + Prometheus',
    async start(port) {
      const [loki, tempo] = [await startLoki(), await startTempo()];
      const prometheus = await startPrometheus([`127.0.0.1:${port}`]);
      return {
        env: {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${tempo.url}/v1/traces`,
          OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${loki.url}/otlp/v1/logs`,
          PETSAGE_SMOKE_LOKI_URL: loki.url,
          PETSAGE_SMOKE_TEMPO_URL: tempo.url,
          PETSAGE_SMOKE_TEMPO_SEARCH: 'true',
          PETSAGE_SMOKE_PROMETHEUS_URL: prometheus.url,
        },
        scraping: async () => (await prometheus.query(`up{instance="127.0.0.1:${port}"} == 1`)).length > 0,
        stop: async () => void (await Promise.all([loki.close(), tempo.close(), prometheus.stop()])),
      };
    },
  },
  {
    name: 'Jaeger (stand-in) + VictoriaMetrics',
    async start(port) {
      const jaeger = await startJaeger();
      const vm = await startVictoriaMetrics([`127.0.0.1:${port}`]);
      return {
        env: {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${jaeger.url}/v1/traces`,
          PETSAGE_SMOKE_JAEGER_URL: jaeger.url,
          PETSAGE_SMOKE_PROMETHEUS_URL: vm.url,
        },
        scraping: async () => {
          const res = await fetch(
            `${vm.url}/api/v1/query?query=${encodeURIComponent(`up{instance="127.0.0.1:${port}"} == 1`)}`,
          );
          return ((await res.json()) as { data: { result: unknown[] } }).data.result.length > 0;
        },
        stop: async () => void (await Promise.all([jaeger.close(), vm.stop()])),
      };
    },
  },
];

async function measure(setUp: SetUp) {
  const port = await freePort();
  const stores = await setUp.start(port);
  const daemon = await spawnDaemon({ args: ['--port', String(port)], env: { ...COMMON, ...stores.env } });
  try {
    // Count from runs made once the metric store scrapes the daemon (target discovery is not lag),
    // skipping 20 more: a new series takes a few seconds to become searchable in VictoriaMetrics.
    while (stores.scraping && !(await stores.scraping())) await new Promise((r) => setTimeout(r, 200));
    const upAt = jsonLines(daemon.logFile).filter((l) => l.event === VERIFICATION_EVENT).length;
    const first = Number((await daemon.waitForEvent(VERIFICATION_EVENT, (l) => Number(l.seq) > upAt + 20)).seq);
    const last = await daemon.waitForEvent(VERIFICATION_EVENT, (l) => Number(l.seq) >= first + RUNS - 1);
    const ids = jsonLines(daemon.logFile)
      .filter((l) => l.event === VERIFICATION_EVENT && Number(l.seq) >= first && Number(l.seq) <= Number(last.seq))
      .map((l) => String(l.run_id));
    // Runs settle in about the order they were made (each by verify.timeout at the latest): wait for the last.
    while ((await receiptOf(daemon.url, ids.at(-1)!)).outcome === 'pending')
      await new Promise((r) => setTimeout(r, 200));
    const lags = new Map<string, number[]>();
    const outcomes: Record<string, number> = {};
    for (const id of ids) {
      const receipt = await receiptOf(daemon.url, id);
      outcomes[receipt.outcome] = (outcomes[receipt.outcome] ?? 0) + 1;
      for (const signal of ['log', 'trace', 'metric']) {
        const check = receipt.checks[`${signal}:verification`]?.[0] as
          { outcome: string; observedValue?: number; backend?: string } | undefined;
        if (check?.outcome !== 'verified' || check.observedValue === undefined) continue;
        const key = `${signal}\t${check.backend ?? '-'}`;
        lags.set(key, [...(lags.get(key) ?? []), check.observedValue]);
      }
    }
    const rows = [...lags].map(([key, values]) => {
      const [signal, backend] = key.split('\t') as [string, string];
      const sorted = [...values].sort((a, b) => a - b);
      return {
        signal,
        backend,
        verified: values.length,
        p50_s: quantile(sorted, 0.5),
        p99_s: quantile(sorted, 0.99),
        max_s: sorted.at(-1) ?? NaN,
      };
    });
    return { set_up: setUp.name, runs: ids.length, outcomes, rows };
  } finally {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    await stores.stop();
  }
}

async function main(): Promise<void> {
  const results = [];
  for (const setUp of SET_UPS) results.push(await measure(setUp));
  process.stdout.write(
    `${JSON.stringify({ mode: SHORT ? 'short' : 'full', runs_per_set_up: RUNS, schedule_interval_ms: 100, results }, null, 2)}\n\n`,
  );
  process.stdout.write(
    '| set-up | signal | read back from | verified | p50 (s) | p99 (s) | max (s) |\n|---|---|---|---|---|---|---|\n',
  );
  for (const r of results) {
    for (const row of r.rows) {
      process.stdout.write(
        `| ${r.set_up} | ${row.signal} | ${row.backend} | ${row.verified}/${r.runs} | ${row.p50_s.toFixed(3)} | ${row.p99_s.toFixed(3)} | ${row.max_s.toFixed(3)} |\n`,
      );
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
