import { expect } from 'chai';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { SERIES_PROFILES } from '../../../src/config/sections/telemetry';
import { seriesProfile } from '../../../src/telemetry/metrics/profile';
import { createRegistry } from '../../../src/telemetry/metrics/registry';
import { createSpotCheckMetrics } from '../../../src/telemetry/metrics/spotChecks';
import { createVerdictMetrics } from '../../../src/telemetry/metrics/verdicts';
import { metricNames, readAlertRules, readDashboard } from '../../support/repo';

const samples = async (registry: { metrics(): Promise<string> }) =>
  (await registry.metrics()).split('\n').filter((l) => l !== '' && !l.startsWith('#'));

describe('series profiles', () => {
  it('full: the lag buckets fine below a second and in steps of the interval above it', () => {
    expect(seriesProfile('full').lagBuckets([15])).to.deep.equal([
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 7.5, 10, 15, 22.5, 30, 45, 60,
    ]);
  });

  it("every profile: with pipelines at 15 s and 60 s, each one's bound (1.5 intervals) is a bucket bound with more above it", () => {
    for (const name of SERIES_PROFILES) {
      const buckets = seriesProfile(name).lagBuckets([15, 60]);
      for (const bound of [22.5, 90]) {
        expect(buckets, name).to.include(bound);
        expect(
          buckets.some((b) => b > bound),
          name,
        ).to.equal(true);
      }
    }
  });

  it("node: the lag buckets hold the lag alert's bounds (10 s; 1.5 counter intervals) for any interval", () => {
    const lag = readAlertRules().find((r) => r.alert === 'PetsageSmokeSignalLagHigh')!.expr;
    expect(lag).to.include('> 10').and.to.include('1.5 * petsage_smoke_scrape_interval_seconds');
    for (const interval of [1, 15, 30, 60]) {
      const buckets = seriesProfile('node').lagBuckets([interval]);
      expect(buckets).to.include.members([10, 1.5 * interval]);
      expect(
        buckets.filter((b) => b > 1.5 * interval),
        'a bucket above the bound',
      ).to.not.deep.equal([]);
    }
  });

  it('node: keeps the process metrics the dashboard reads, with values (the ones whose collect sets them kept too)', async () => {
    const all = new Registry();
    collectDefaultMetrics({ register: all });
    const names = all.getMetricsAsArray().map((m) => m.name);
    const kept = seriesProfile('node').processMetrics as readonly string[];
    expect(names).to.include.members([...kept]);
    const read = readDashboard().panels.flatMap((p) => p.targets.flatMap((t) => metricNames(t.expr)));
    const processRead = [...new Set(read.filter((n) => !n.startsWith('petsage_smoke_')))];
    expect(processRead.length, 'process metrics the dashboard reads').to.be.greaterThan(0);
    expect(kept).to.include.members(processRead);
    const registry = createRegistry({ processMetrics: true, profile: seriesProfile('node') });
    const exposed = await samples(registry);
    expect(exposed.map((l) => l.split(' ')[0])).to.have.members([...kept]);
    // The event loop's lag is measured, not left at 0 as it is when the gauge whose collect sets it is gone.
    await new Promise((r) => setTimeout(r, 50));
    const p99 =
      exposed.length && (await samples(registry)).find((l) => l.startsWith('nodejs_eventloop_lag_p99_seconds '));
    expect(Number(String(p99).split(' ')[1])).to.be.greaterThan(0);
  });

  it('node: of the verdict counter, only the verified series start at 0 (3 a pipeline, where full starts 63); a failure adds its own', async () => {
    for (const name of SERIES_PROFILES) {
      const registry = createRegistry({ processMetrics: false });
      const record = createVerdictMetrics(registry, [15], () => 0, seriesProfile(name)).forPipeline(
        'default',
        { intervalSeconds: 15, verifyTimeoutSeconds: 30, scrapeIntervalSeconds: 15 },
        () => ({ count: 0, reason: 'none' }),
      );
      const verdicts = async () =>
        (await samples(registry)).filter((l) => l.startsWith('petsage_smoke_signal_verifications_total'));
      const started = await verdicts();
      expect(started.length, name).to.equal(name === 'node' ? 3 : 63);
      if (name === 'node') expect(started.every((l) => l.includes('outcome="verified"'))).to.equal(true);
      record({ signal: 'log', outcome: 'missing', reason: 'timeout', at: new Date(0) });
      const after = await verdicts();
      expect(after.length, name).to.equal(started.length + (name === 'node' ? 1 : 0));
      expect(
        after.some((l) => /signal="log",outcome="missing",reason="timeout"\} 1$/.test(l)),
        name,
      ).to.equal(true);
    }
  });

  it('node: a spot check series starts only for lost_after_ingest, the one an alert takes the increase of; full starts every outcome', async () => {
    for (const name of SERIES_PROFILES) {
      const registry = createRegistry({ processMetrics: false });
      createSpotCheckMetrics(registry, seriesProfile(name)).forPipeline('default', ['log'], ['15m', '1h'], () => 0);
      const outcomes = (await samples(registry))
        .filter((l) => l.startsWith('petsage_smoke_spot_checks_total'))
        .map((l) => /outcome="([^"]+)"/.exec(l)![1]);
      expect(new Set(outcomes), name).to.deep.equal(
        new Set(name === 'node' ? ['lost_after_ingest'] : ['found', 'lost_after_ingest', 'error']),
      );
      expect(outcomes.length, name).to.equal(name === 'node' ? 2 : 6);
    }
  });
});
