import { expect } from 'chai';
import { EVENT } from '../../src/vocabulary';
import { spawnDaemon, type SpawnedDaemon } from '../support/daemon';
import { freePort, startPrometheus, type RealPrometheus } from '../support/prometheus';
import { gate, type Receipt } from '../support/receipts';
import { startJaeger } from '../support/standins/jaeger';
import { startLoki } from '../support/standins/loki';
import { startTempo } from '../support/standins/tempo';
import { startVictoriaMetrics } from '../support/victoriaMetrics';

type Check = Receipt['checks'][string][number] & { backend?: string };
const check = (r: Receipt, signal: string) => r.checks[`${signal}:verification`]![0] as Check;

/** Quick settings: spans and records exported every 100 ms, read back every 100 ms. */
const QUICK = {
  PETSAGE_SMOKE_INTERVAL: '0',
  PETSAGE_SMOKE_VERIFY_TIMEOUT: '6s',
  PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '100ms',
  OTEL_BSP_SCHEDULE_DELAY: '100',
  OTEL_BLRP_SCHEDULE_DELAY: '100',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
};

/** The daemon's OTLP traces and logs go to the stores, as they would through a Collector, for one tenant. */
const exportTo = (o: { traces: string; logs?: string; tenant?: string }) => ({
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${o.traces}/v1/traces`,
  ...(o.logs ? { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${o.logs}/otlp/v1/logs` } : {}),
  ...(o.tenant ? { OTEL_EXPORTER_OTLP_HEADERS: `X-Scope-OrgID=${o.tenant}` } : {}),
});

describe('end to end: reading back from the stores operators query (Loki, Tempo, Jaeger stand-ins; real Prometheus and VictoriaMetrics)', function () {
  this.timeout(120_000);
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const clean of cleanups.splice(0).reverse()) await clean().catch(() => undefined);
  });
  const daemon = async (env: Record<string, string>, args: string[] = []) => {
    const d = await spawnDaemon({ env: { ...QUICK, ...env }, args });
    cleanups.push(async () => {
      d.child.kill('SIGKILL');
      await d.exited;
    });
    return d;
  };
  const stopped = async (d: SpawnedDaemon) => {
    d.child.kill('SIGTERM');
    expect((await d.exited).code).to.equal(0);
    return d.waitForEvent(EVENT.stopped);
  };

  it('a Grafana stack with one tenant (Loki, Tempo by id and search, Prometheus): every hop verified, and nothing lost', async () => {
    const loki = await startLoki({ multiTenant: true });
    const tempo = await startTempo({ multiTenant: true });
    cleanups.push(
      () => loki.close(),
      () => tempo.close(),
    );
    const promPort = await freePort();
    const d = await daemon({
      ...exportTo({ traces: tempo.url, logs: loki.url, tenant: 'team-a' }),
      PETSAGE_SMOKE_LOKI_URL: loki.url,
      PETSAGE_SMOKE_LOKI_TENANT: 'team-a',
      PETSAGE_SMOKE_TEMPO_URL: tempo.url,
      PETSAGE_SMOKE_TEMPO_TENANT: 'team-a',
      PETSAGE_SMOKE_TEMPO_SEARCH: 'true',
      PETSAGE_SMOKE_PROMETHEUS_URL: `http://127.0.0.1:${promPort}`,
      // Every hop verified is the point: room for the first scrape of a Prometheus started just now,
      // which under the other lane's load has taken longer than the quick 6 s.
      PETSAGE_SMOKE_VERIFY_TIMEOUT: '20s',
    });
    const prometheus: RealPrometheus = await startPrometheus([new URL(d.url).host], { port: promPort });
    cleanups.push(() => prometheus.stop());

    const { status, receipt } = await gate(d.url, 'grafana-1');
    expect(status, JSON.stringify(receipt)).to.equal(200);
    expect(
      [check(receipt, 'log'), check(receipt, 'trace'), check(receipt, 'metric')].map((c) => [c.outcome, c.backend]),
    ).to.deep.equal([
      ['verified', 'loki'],
      ['verified', 'tempo'],
      ['verified', 'prometheus'],
    ]);
    expect(loki.requests.some((r) => r.url.startsWith('/loki/api/v1/query_range') && r.tenant === 'team-a')).to.equal(
      true,
    );
    expect(tempo.requests.some((r) => r.url.startsWith('/api/search'))).to.equal(true);

    for (let i = 0; i < 20; i += 1) expect((await fetch(`${d.url}/smoke-test`)).status).to.equal(200);
    const tally = await stopped(d);
    const lines = d.stdout.filter((l) => l.includes(`"event":"${EVENT.verification}"`)).length;
    const runSpans = tempo.stored.filter((s) => s.item.name === 'smoke_test.run').length;
    expect({
      lines,
      counter: tally.runs_total,
      spans: tally.spans_exported,
      records: tally.log_records_exported,
      storedSpans: runSpans,
      storedRecords: loki.stored.length,
    }).to.deep.equal({
      lines: 21,
      counter: 21,
      spans: 21,
      records: 21,
      storedSpans: 21,
      storedRecords: 21,
    });
  });

  it('a record that never arrives, a trace that arrives late, a tenant mismatch, an incomplete trace: each named at its hop', async () => {
    const never = await startLoki({ drop: true });
    const late = await startTempo({ delayMs: 1500 });
    cleanups.push(
      () => never.close(),
      () => late.close(),
    );
    const d1 = await daemon({
      ...exportTo({ traces: late.url, logs: never.url }),
      PETSAGE_SMOKE_LOKI_URL: never.url,
      PETSAGE_SMOKE_TEMPO_URL: late.url,
    });
    const first = (await gate(d1.url)).receipt;
    expect(check(first, 'log')).to.include({ outcome: 'missing', reason: 'not_found', backend: 'loki' });
    expect(check(first, 'trace')).to.include({ outcome: 'verified', backend: 'tempo' });
    expect(check(first, 'trace').observedValue, "the lag includes the store's delay").to.be.at.least(1.5);

    const loki = await startLoki({ multiTenant: true });
    const tempo = await startTempo({ multiTenant: true });
    cleanups.push(
      () => loki.close(),
      () => tempo.close(),
    );
    const d2 = await daemon({
      ...exportTo({ traces: tempo.url, logs: loki.url, tenant: 'team-a' }),
      PETSAGE_SMOKE_LOKI_URL: loki.url,
      PETSAGE_SMOKE_LOKI_TENANT: 'team-b',
      PETSAGE_SMOKE_TEMPO_URL: tempo.url,
      PETSAGE_SMOKE_TEMPO_TENANT: 'team-b',
    });
    const mismatch = (await gate(d2.url)).receipt;
    expect(check(mismatch, 'log')).to.include({ outcome: 'missing', reason: 'not_found', backend: 'loki' });
    expect(check(mismatch, 'trace')).to.include({ outcome: 'missing', reason: 'notfound_byid', backend: 'tempo' });

    const lossy = await startTempo({ mangle: (s) => ({ ...s, attributes: {} }) });
    cleanups.push(() => lossy.close());
    const d3 = await daemon({ ...exportTo({ traces: lossy.url }), PETSAGE_SMOKE_TEMPO_URL: lossy.url });
    const { status, receipt } = await gate(d3.url);
    expect(status).to.equal(502);
    expect(check(receipt, 'trace')).to.include({ outcome: 'error', reason: 'incomplete', backend: 'tempo' });
  });

  it('a store that is down and comes back: the exporter hop fails first; a query store down is unreachable until it returns', async () => {
    const tempo = await startTempo();
    cleanups.push(() => tempo.close());
    const promPort = await freePort();
    const d = await daemon({
      ...exportTo({ traces: tempo.url }),
      PETSAGE_SMOKE_TEMPO_URL: tempo.url,
      PETSAGE_SMOKE_PROMETHEUS_URL: `http://127.0.0.1:${promPort}`,
    });
    const prometheus = await startPrometheus([new URL(d.url).host], { port: promPort });
    cleanups.push(() => prometheus.stop());
    expect((await gate(d.url)).status).to.equal(200);

    await tempo.down();
    await prometheus.stop();
    const down = (await gate(d.url)).receipt;
    expect(check(down, 'trace')).to.include({ outcome: 'error', reason: 'export_failed', backend: 'exporter' });
    expect(check(down, 'metric')).to.include({ outcome: 'error', reason: 'unreachable', backend: 'prometheus' });

    await tempo.up();
    await prometheus.start();
    const back = await gate(d.url);
    expect(back.status, JSON.stringify(back.receipt)).to.equal(200);
  });

  it('Jaeger and VictoriaMetrics (its /prometheus path, as Mimir serves it)', async () => {
    const jaeger = await startJaeger();
    cleanups.push(() => jaeger.close());
    // VictoriaMetrics must know the daemon's address to scrape it, and the daemon VictoriaMetrics' to read it.
    const port = await freePort();
    const vm = await startVictoriaMetrics([`127.0.0.1:${port}`]);
    cleanups.push(() => vm.stop());
    const d = await daemon(
      {
        ...exportTo({ traces: jaeger.url }),
        PETSAGE_SMOKE_JAEGER_URL: jaeger.url,
        PETSAGE_SMOKE_PROMETHEUS_URL: vm.url,
        PETSAGE_SMOKE_PROMETHEUS_PATH_PREFIX: '/prometheus',
        // VictoriaMetrics makes a new series searchable several seconds after its first scrape.
        PETSAGE_SMOKE_VERIFY_TIMEOUT: '30s',
      },
      ['--port', String(port)],
    );
    const { status, receipt } = await gate(d.url);
    expect(status, JSON.stringify(receipt)).to.equal(200);
    expect(check(receipt, 'trace').backend).to.equal('jaeger');
    expect(check(receipt, 'metric').backend).to.equal('prometheus');
  });
});
