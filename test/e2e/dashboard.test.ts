import { expect } from 'chai';
import { VERIFICATION_EVENT } from '../../src/vocabulary';
import { spawnDaemon, type SpawnedDaemon } from '../support/daemon';
import { freePort, startPrometheus, type RealPrometheus } from '../support/prometheus';
import { grafanaQuery, readDashboard } from '../support/repo';

describe('dashboard self-test: every panel query against a real Prometheus scraping a real daemon', function () {
  this.timeout(120_000);
  let daemon: SpawnedDaemon;
  let prometheus: RealPrometheus;
  let instance: string;

  before(async () => {
    // The metric read back through this Prometheus, a store the spot checks can re-read: their panel has series.
    const port = await freePort();
    daemon = await spawnDaemon({
      env: {
        PETSAGE_SMOKE_INTERVAL: '100ms',
        PETSAGE_SMOKE_VERIFY_TIMEOUT: '5s',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        PETSAGE_SMOKE_PROMETHEUS_URL: `http://127.0.0.1:${port}`,
        PETSAGE_SMOKE_SCRAPE_INTERVAL: '1s',
      },
    });
    instance = new URL(daemon.url).host;
    prometheus = await startPrometheus([instance], { port });
    // Enough scrapes for rate() over 10 s windows (Prometheus offers no event for "scraped N times").
    for (;;) {
      for (let i = 0; i < 5; i += 1) await fetch(`${daemon.url}/smoke-test`);
      const scrapes = await prometheus.query(`count_over_time(up{instance="${instance}"}[1m]) >= 8`);
      if (scrapes.length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  after(async () => {
    await prometheus?.stop();
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
  });

  const panels = readDashboard().panels;
  for (const panel of panels) {
    it(`"${panel.title}" shows data`, async () => {
      for (const target of panel.targets) {
        const result = await prometheus.query(grafanaQuery(target.expr, instance));
        expect(result.length, `${target.refId}: ${target.expr}`).to.be.greaterThan(0);
        expect(
          result.some((s) => Number.isFinite(Number(s.value[1]))),
          `${target.refId} has only NaN`,
        ).to.equal(true);
      }
    });
  }

  it("Prometheus stores the exemplars: a lag point links to the trace of one of the daemon's runs", async () => {
    const now = Date.now() / 1000;
    const res = await fetch(
      `${prometheus.url}/api/v1/query_exemplars?query=${encodeURIComponent('petsage_smoke_signal_lag_seconds_bucket')}&start=${now - 300}&end=${now}`,
    );
    const body = (await res.json()) as { status: string; data: { exemplars: { labels: Record<string, string> }[] }[] };
    expect(body.status).to.equal('success');
    const labels = body.data.flatMap((s) => s.exemplars.map((e) => e.labels));
    expect(labels.length).to.be.greaterThan(0);
    expect(labels[0]!.trace_id).to.match(/^[0-9a-f]{32}$/);
    // A run's verification line carries its trace id: the exemplar's is one of them.
    const runTraces = daemon.stdout
      .filter((l) => l.includes(`"event":"${VERIFICATION_EVENT}"`))
      .map((l) => (JSON.parse(l) as { trace_id: string }).trace_id);
    expect(runTraces).to.include(labels[0]!.trace_id);
  });
});
