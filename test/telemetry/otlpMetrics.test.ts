import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { metrics, resources } from '@opentelemetry/sdk-node';
import { loadConfig } from '../../src/config/load';
import { createOtlpMetrics, OTLP_RUNS_NAME } from '../../src/telemetry/otlpMetrics';
import { METRIC } from '../../src/vocabulary';
import { testService } from '../support/app';
import { startOtlpReceiver } from '../support/otlpReceiver';
import { startMimir } from '../support/standins/mimir';
import { tmpDir } from '../support/tmp';

/** No schedule, quick polls: each run is one the test starts. */
const QUICK = { PETSAGE_SMOKE_INTERVAL: '0', PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '20ms' };

/**
 * The daemon on the production defaults but for this config file: the run counter pushed to the
 * Mimir stand-in's OTLP endpoint every `interval` and read back from its query API, under
 * /prometheus; the log and trace read-back off, so the metric signal alone decides.
 */
function pushingService(o: {
  mimirUrl: string;
  pushTenant?: string;
  readTenant?: string;
  exporter?: 'otlp' | 'none';
  temporality?: 'cumulative' | 'delta';
  timeout?: string;
}) {
  const file = path.join(tmpDir('petsage-otlp-metrics-'), 'config.yaml');
  writeFileSync(
    file,
    [
      'metrics:',
      '  otlp:',
      `    exporter: ${o.exporter ?? 'otlp'}`,
      `    endpoint: "${o.mimirUrl}/otlp"`,
      `    headers: ${o.pushTenant ? `{ X-Scope-OrgID: "${o.pushTenant}" }` : '{}'}`,
      `    temporality: ${o.temporality ?? 'cumulative'}`,
      '    interval: 100ms',
      'verify:',
      `  timeout: ${o.timeout ?? '20s'}`,
      '  log: { enabled: false }',
      '  traces: { enabled: false }',
      '  metrics:',
      `    prometheusUrl: "${o.mimirUrl}"`,
      '    pathPrefix: /prometheus',
      `    tenant: "${o.readTenant ?? ''}"`,
      '',
    ].join('\n'),
  );
  return testService({ env: QUICK, file });
}

/** `petsage_smoke_metric_exports_total` of the default pipeline, by outcome, from the exposition. */
async function exportsCounted(svc: ReturnType<typeof testService>): Promise<Record<string, number>> {
  const text = await svc.registry.metrics();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(new RegExp(`^${METRIC.metricExports}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (labels.pipeline === 'default') counts[labels.outcome!] = Number(m[2]);
  }
  return counts;
}

const RESOURCE = resources.resourceFromAttributes({ 'service.name': 'petsage-smoke' });

type Answer = { code: number; error?: Error };

/** An exporter that answers each export with the next of `answers` (then success) and keeps what it was sent. */
function scriptedExporter(temporality: 'cumulative' | 'delta', answers: Answer[] = []) {
  const sent: metrics.ResourceMetrics[] = [];
  const calls = { forceFlush: 0, shutdown: 0 };
  const exporter: metrics.PushMetricExporter = {
    export: (batch, done) => {
      sent.push(batch);
      done(answers.shift() ?? { code: 0 });
    },
    forceFlush: async () => void (calls.forceFlush += 1),
    shutdown: async () => void (calls.shutdown += 1),
    selectAggregationTemporality: () =>
      temporality === 'delta' ? metrics.AggregationTemporality.DELTA : metrics.AggregationTemporality.CUMULATIVE,
  };
  return { exporter, sent, calls };
}

/** The run counter of pipeline `default` over `exporter`, with the push settings of the embedded defaults. */
function counterOver(exporter: metrics.PushMetricExporter, temporality: 'cumulative' | 'delta') {
  const otlp = { ...loadConfig({ env: {} }).metrics.otlp, exporter: 'otlp' as const, temporality, interval: 60_000 };
  const counted: Answer[] = [];
  const pushed = createOtlpMetrics(
    { pipeline: 'default', processId: 'abc', otlp, resource: RESOURCE, disabled: false },
    { exporter, countExports: (outcome) => counted.push({ code: outcome === 'success' ? 0 : 1 }) },
  );
  /** Adds `n` runs and pushes them. */
  const push = async (n: number) => {
    for (let i = 0; i < n; i += 1) pushed.recordRun({ trigger: 'schedule', outcome: 'success' });
    await pushed.forceFlush();
  };
  return { pushed, push, counted };
}

describe('otlpMetrics: the run counter pushed over OTLP metrics and read back from the store it reaches', () => {
  for (const temporality of ['cumulative', 'delta'] as const) {
    it(`${temporality}: each run's metric signal is verified from the pushed counter, found in Mimir by this process's id`, async () => {
      // Delta: as the collector's deltatocumulative processor (or Mimir's delta ingestion) sums them.
      const mimir = await startMimir({ multiTenant: true, deltas: temporality === 'delta' ? 'convert' : 'reject' });
      const svc = pushingService({ mimirUrl: mimir.url, temporality, pushTenant: 'team-a', readTenant: 'team-a' });
      const processId = svc.telemetry.processId;
      for (let n = 1; n <= 3; n += 1) {
        const report = await svc.runs.start('api').settled;
        expect(report.run.seq).to.equal(n);
        expect(report.verdicts.metric, `run ${n}`).to.include({
          outcome: 'verified',
          reason: 'none',
          backend: 'prometheus',
        });
      }
      const ours = mimir.stored.filter((s) => s.item.labels.process_id === processId).map((s) => s.item);
      expect(ours.at(-1)!.labels).to.deep.include({
        __name__: `${OTLP_RUNS_NAME}_total`,
        job: 'petsage-smoke',
        pipeline: 'default',
        trigger: 'api',
        outcome: 'success',
      });
      expect(ours.at(-1)!.value, 'the store holds every run').to.equal(3);
      expect(new Set(ours.map((s) => s.sent.temporality)), 'as the exporter was told to push').to.deep.equal(
        new Set([temporality === 'delta' ? 1 : 2]),
      );
      expect(
        mimir.requests.every((r) => r.tenant === 'team-a'),
        'pushes and queries carry the tenant',
      ).to.equal(true);
      const queries = mimir.requests.filter((r) => r.method === 'GET').map((r) => new URL(r.url, mimir.url));
      expect(queries.map((u) => u.pathname)).to.include('/prometheus/api/v1/query');
      expect(queries[0]!.searchParams.get('query')).to.equal(
        `max(sum without (trigger, outcome) (${METRIC.runs}{process_id="${processId}",pipeline="default"}))`,
      );
      expect((await exportsCounted(svc)).success, 'pushes counted').to.be.greaterThan(0);
    });
  }

  it("another daemon process's samples in the same store and tenant never verify this process's runs", async () => {
    const mimir = await startMimir({ multiTenant: true });
    const other = pushingService({ mimirUrl: mimir.url, pushTenant: 'team-a', readTenant: 'team-a' });
    for (let n = 1; n <= 3; n += 1) await other.runs.start('api').settled;
    await mimir.waitForStored((s) => s.labels.process_id === other.telemetry.processId && s.value >= 3);

    // This one reads the same store and tenant, but its own pushes never reach it.
    const svc = pushingService({ mimirUrl: mimir.url, exporter: 'none', readTenant: 'team-a', timeout: '800ms' });
    expect(svc.telemetry.processId).to.not.equal(other.telemetry.processId);
    const report = await svc.runs.start('api').settled;
    expect(report.run.seq, 'below the other process counter').to.equal(1);
    expect(report.verdicts.metric).to.include({ outcome: 'missing', reason: 'not_found', backend: 'prometheus' });
    const ownQueries = mimir.requests
      .filter((r) => r.method === 'GET')
      .map((r) => new URL(r.url, mimir.url).searchParams.get('query')!)
      .filter((q) => q.includes(`process_id="${svc.telemetry.processId}"`));
    expect(ownQueries.length, 'it asked, by its own id').to.be.greaterThan(0);
    expect((await other.runs.start('api').settled).verdicts.metric, 'the other one still verifies its own').to.include({
      outcome: 'verified',
    });
  });

  it('a store refusing the pushes (401 no org id): the metric verdict is not verified and each failed export is counted', async () => {
    const mimir = await startMimir({ multiTenant: true });
    // Reads carry the tenant, the pushes do not: Mimir answers them 401.
    const svc = pushingService({ mimirUrl: mimir.url, readTenant: 'team-a', timeout: '800ms' });
    const first = svc.runs.start('api').settled;
    // Exports of the first run's increment, each awaited, until one's refusal is counted: the next
    // run's miss, at its deadline, then comes after it however slow the machine. (A flush may give up
    // waiting before the store answers: the answer is counted when it comes.)
    while (!(await exportsCounted(svc)).failure) await svc.telemetry.forceFlush().catch(() => undefined);
    const report = await svc.runs.start('api').settled;
    expect(report.verdicts.metric).to.include({ outcome: 'missing', reason: 'not_found', backend: 'prometheus' });
    expect(report.verdicts.metric?.detail, 'the miss names the refused pushes').to.match(
      /^\d+ OTLP push\(es\) of the run counter failed \(HTTP 401\), the last \d+ s ago; asked /,
    );
    expect((await first).verdicts.metric).to.include({ outcome: 'missing', reason: 'not_found' });
    const pushes = mimir.requests.filter((r) => r.method === 'POST');
    expect(pushes.length, 'the pushes reached the store').to.be.greaterThan(0);
    expect(pushes.every((r) => r.url === '/otlp/v1/metrics' && r.tenant === '')).to.equal(true);
    expect(mimir.stored).to.have.length(0);
    const counted = await exportsCounted(svc);
    expect(counted.failure, 'failed exports counted').to.be.at.least(1);
    expect(counted.success ?? 0).to.equal(0);
  });

  it('cumulative: once the store takes the pushes again, the next run is verified, and the total makes up the refused push', async () => {
    const mimir = await startMimir({ multiTenant: true });
    const svc = pushingService({ mimirUrl: mimir.url, readTenant: 'team-a', timeout: '800ms' });
    const refused = await svc.runs.start('api').settled;
    expect(refused.verdicts.metric).to.include({ outcome: 'missing', reason: 'not_found' });
    await svc.telemetry.forceFlush(); // the first run's increment refused at least once
    expect(await exportsCounted(svc)).to.include({ success: 0 });
    // Single-tenant now: the pushes without a tenant are taken, and the reads find them (tenant "anonymous").
    mimir.behaviour.multiTenant = false;
    const next = await svc.runs.start('api').settled;
    expect(next.run.seq).to.equal(2);
    expect(next.verdicts.metric).to.include({ outcome: 'verified', reason: 'none' });
  });

  it('delta: a run whose push was refused fails at once (error/export_failed); the next ones are read against the total less it', async () => {
    const mimir = await startMimir({ multiTenant: true, deltas: 'convert' });
    // Long enough that a wait for the timeout would show; the refusal must decide first.
    const svc = pushingService({ mimirUrl: mimir.url, temporality: 'delta', readTenant: 'team-a', timeout: '30s' });
    const first = await svc.runs.start('api').settled;
    expect(first.verdicts.metric).to.include({ outcome: 'error', reason: 'export_failed', backend: 'prometheus' });
    expect(first.verdicts.metric?.detail).to.equal(
      'the OTLP push (delta) carrying its increment failed (HTTP 401): never sent again',
    );
    mimir.behaviour.multiTenant = false;
    for (const seq of [2, 3]) {
      const next = await svc.runs.start('api').settled;
      expect(next.run.seq).to.equal(seq);
      expect(next.verdicts.metric, `run ${seq}`).to.include({ outcome: 'verified', reason: 'none' });
    }
    const total = mimir.stored.filter((s) => s.item.labels.process_id === svc.telemetry.processId).at(-1)!.item.value;
    expect(total, 'the store never got the first run').to.equal(2);
  });

  it('the destination named in the start-up line; none when the push is off', async () => {
    const otlp = loadConfig({
      env: {
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:9/otlp/v1/metrics',
        OTEL_METRIC_EXPORT_INTERVAL: '30s',
      },
    }).metrics.otlp;
    const on = createOtlpMetrics(
      { pipeline: 'default', processId: 'abc', otlp, resource: RESOURCE, disabled: false },
      { countExports: () => {} },
    );
    expect(on.destination).to.equal(
      'otlp http/protobuf http://127.0.0.1:9/otlp/v1/metrics (cumulative, every 30000 ms)',
    );
    await on.shutdown();
    const off = createOtlpMetrics(
      {
        pipeline: 'default',
        processId: 'abc',
        otlp: loadConfig({ env: {} }).metrics.otlp,
        resource: RESOURCE,
        disabled: false,
      },
      { countExports: () => {} },
    );
    expect(off.destination).to.equal('none');
    expect([off.pushes.refused(), off.pushes.lost(1), off.pushes.lostThrough(1)]).to.deep.equal([undefined, false, 0]);
    expect([off.forceFlush(), off.shutdown()].every((p) => p instanceof Promise)).to.equal(true);
    const both = loadConfig({
      env: {
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:8//',
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
      },
    }).metrics.otlp;
    const named = (otlp: typeof both) =>
      createOtlpMetrics(
        { pipeline: 'default', processId: 'abc', otlp, resource: RESOURCE, disabled: false },
        { countExports: () => {} },
      );
    const fromEndpoint = named(both);
    expect(fromEndpoint.destination, 'trailing slashes dropped').to.equal(
      'otlp http/json http://127.0.0.1:8/v1/metrics (cumulative, every 15000 ms)',
    );
    await fromEndpoint.shutdown();
    const own = named({ ...both, metricsEndpoint: 'http://127.0.0.1:9/own' });
    expect(own.destination, 'the metrics endpoint before the general one').to.equal(
      'otlp http/json http://127.0.0.1:9/own (cumulative, every 15000 ms)',
    );
    await own.shutdown();
  });

  for (const [protocol, contentType] of [
    ['http/protobuf', 'application/x-protobuf'],
    ['http/json', 'application/json'],
  ] as const) {
    it(`${protocol}: the counter is posted to <endpoint>/v1/metrics as ${contentType}, or to the metrics endpoint when one is set`, async () => {
      const receiver = await startOtlpReceiver();
      const base = loadConfig({
        env: {
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.endpoint}//`,
          OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: protocol,
        },
      }).metrics.otlp;
      for (const otlp of [base, { ...base, metricsEndpoint: `${receiver.endpoint}/own/metrics` }]) {
        const pushed = createOtlpMetrics(
          { pipeline: 'default', processId: 'abc', otlp, resource: RESOURCE, disabled: false },
          { countExports: () => {} },
        );
        pushed.recordRun({ trigger: 'api', outcome: 'success' });
        await pushed.shutdown(); // the last values exported
      }
      expect(receiver.received.map((r) => [r.path, r.headers['content-type']])).to.deep.equal([
        ['/v1/metrics', contentType],
        ['/own/metrics', contentType],
      ]);
    });
  }

  it('over a given exporter: the counter named, described and labelled as scraped; flush and shutdown reach the exporter', async () => {
    const { exporter, sent, calls } = scriptedExporter('cumulative');
    const { pushed, push } = counterOver(exporter, 'cumulative');
    expect(pushed.destination).to.equal('custom');
    await push(2);
    const [metric] = sent.at(-1)!.scopeMetrics.flatMap((scope) => scope.metrics);
    expect(metric!.descriptor).to.include({
      name: OTLP_RUNS_NAME,
      description: 'Smoke runs, by pipeline, trigger and outcome.',
    });
    expect(metric!.dataPoints.map((p) => [p.attributes, p.value])).to.deep.equal([
      [{ trigger: 'schedule', outcome: 'success', pipeline: 'default', process_id: 'abc' }, 2],
    ]);
    expect(calls.forceFlush, 'the flush reached the exporter').to.equal(1);
    await pushed.shutdown();
    expect(calls.shutdown, 'the shutdown reached the exporter').to.equal(1);
  });

  it('the push ledger, delta: a failed push loses exactly the runs it carried, whatever its error', async () => {
    const answers: Answer[] = [
      { code: 1, error: Object.assign(new Error('refused'), { code: 503 }) },
      { code: 0 },
      { code: 1, error: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) },
      { code: 1 },
    ];
    const { exporter } = scriptedExporter('delta', answers);
    const { pushed, push, counted } = counterOver(exporter, 'delta');
    const ledger = pushed.pushes;
    expect(ledger.refused(), 'nothing refused yet').to.equal(undefined);
    await push(1); // run 1: refused
    expect(ledger.refused()).to.deep.include({ count: 1, status: 503 });
    await push(2); // runs 2-3: taken
    await push(1); // run 4: refused, no HTTP status
    expect(ledger.refused()).to.deep.include({ count: 2, status: undefined });
    await push(2); // runs 5-6: refused with no error at all
    expect(ledger.refused()).to.deep.include({ count: 3, status: undefined });
    expect([1, 2, 3, 4, 5, 6, 7].map((seq) => ledger.lost(seq))).to.deep.equal([
      true,
      false,
      false,
      true,
      true,
      true,
      false,
    ]);
    expect([1, 2, 3, 4, 5, 6, 7].map((seq) => ledger.lostThrough(seq))).to.deep.equal([1, 1, 1, 2, 3, 4, 4]);
    expect(counted.map((a) => a.code)).to.deep.equal([1, 0, 1, 1]);
    await pushed.shutdown();
  });

  it('the push ledger, cumulative: a refused push is counted, but loses no run (the next total makes it good)', async () => {
    const { exporter } = scriptedExporter('cumulative', [
      { code: 1, error: Object.assign(new Error('no org id'), { code: 401 }) },
    ]);
    const { pushed, push } = counterOver(exporter, 'cumulative');
    await push(1);
    expect(pushed.pushes.refused()).to.deep.include({ count: 1, status: 401 });
    expect([pushed.pushes.lost(1), pushed.pushes.lostThrough(1)]).to.deep.equal([false, 0]);
    await pushed.shutdown();
  });

  it('the push ledger remembers the last 1,024 lost stretches and still counts the older ones', async () => {
    const failures = 1030;
    const { exporter } = scriptedExporter(
      'delta',
      Array.from({ length: failures }, () => ({ code: 1 })),
    );
    const { pushed, push } = counterOver(exporter, 'delta');
    for (let i = 0; i < failures; i += 1) await push(1);
    const ledger = pushed.pushes;
    expect(ledger.refused()?.count).to.equal(failures);
    expect(
      [ledger.lost(1), ledger.lost(6), ledger.lost(7), ledger.lost(failures)],
      'the oldest six forgotten',
    ).to.deep.equal([false, false, true, true]);
    expect(ledger.lostThrough(failures + 5), 'yet every lost run counted').to.equal(failures);
    await pushed.shutdown();
  });
});
