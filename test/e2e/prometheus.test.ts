import { expect } from 'chai';
import { spawnDaemon, type SpawnedDaemon } from '../support/daemon';
import { freePort, startPrometheus, type RealPrometheus } from '../support/prometheus';
import { gate, type Receipt } from '../support/receipts';

const hostPort = (d: SpawnedDaemon) => new URL(d.url).host;

const metricCheck = (r: Receipt) => r.checks['metric:verification']![0]!;

/** Gates until a run's metric verdict is `outcome` (each gate is itself bounded by verify.timeout). */
async function gateUntil(daemon: SpawnedDaemon, outcome: string, attempts = 6): Promise<Receipt> {
  let last: Receipt | undefined;
  for (let i = 0; i < attempts; i += 1) {
    last = (await gate(daemon.url)).receipt;
    if (metricCheck(last).outcome === outcome) return last;
  }
  throw new Error(`metric verdict never became ${outcome}; last: ${JSON.stringify(last)}`);
}

describe('end to end with a real Prometheus (scrape interval 1 s)', function () {
  this.timeout(180_000);
  let prometheus: RealPrometheus | undefined;
  const daemons: SpawnedDaemon[] = [];

  async function daemonFor(promUrl: string) {
    const d = await spawnDaemon({
      env: {
        PETSAGE_SMOKE_PROMETHEUS_URL: promUrl,
        PETSAGE_SMOKE_INTERVAL: '0',
        PETSAGE_SMOKE_VERIFY_TIMEOUT: '8s',
        PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '200ms',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    daemons.push(d);
    return d;
  }

  afterEach(async () => {
    await prometheus?.stop();
    prometheus = undefined;
    for (const d of daemons.splice(0)) {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  });

  it('verifies all three signals, the metric through Prometheus, with measured lag', async () => {
    const port = await freePort();
    const daemon = await daemonFor(`http://127.0.0.1:${port}`);
    prometheus = await startPrometheus([hostPort(daemon)], { port });
    const receipt = await gateUntil(daemon, 'verified');
    for (const signal of ['log', 'trace', 'metric']) {
      const check = receipt.checks[`${signal}:verification`]![0]!;
      expect(check.outcome, signal).to.equal('verified');
      expect(
        Number.isFinite(check.observedValue) && check.observedValue! >= 0,
        `${signal} lag ${check.observedValue}`,
      ).to.equal(true);
    }
    const series = await prometheus.query(
      `petsage_smoke_runs_total{instance="${hostPort(daemon)}",trigger="api",outcome="success"}`,
    );
    expect(series).to.have.length(1);
  });

  it('Prometheus down: metric verdict unreachable; back up: verified again, same daemon', async () => {
    const port = await freePort();
    const daemon = await daemonFor(`http://127.0.0.1:${port}`);
    prometheus = await startPrometheus([hostPort(daemon)], { port });
    await gateUntil(daemon, 'verified');
    await prometheus.stop();
    const down = await gate(daemon.url);
    expect(down.status).to.equal(502);
    expect(metricCheck(down.receipt)).to.include({ outcome: 'error', reason: 'unreachable', backend: 'prometheus' });
    // Only the metric verdict: the other signals do not depend on Prometheus.
    expect(down.receipt.checks['log:verification']![0]!.outcome).to.equal('verified');
    expect(down.receipt.checks['trace:verification']![0]!.outcome).to.equal('verified');
    await prometheus.start();
    await gateUntil(daemon, 'verified');
  });

  it('the daemon removed from the scrape config (reload): the metric verdict fails within the timeout', async () => {
    const port = await freePort();
    const daemon = await daemonFor(`http://127.0.0.1:${port}`);
    prometheus = await startPrometheus([hostPort(daemon)], { port });
    await gateUntil(daemon, 'verified');
    await prometheus.setTargets([]);
    const receipt = await gateUntil(daemon, 'missing');
    expect(metricCheck(receipt).reason).to.equal('not_found');
    expect(receipt.checks['trace:verification']![0]!.outcome).to.equal('verified');
  });

  it('three daemons, one Prometheus: each verifies only its own series', async () => {
    const port = await freePort();
    const [a, b, c] = [
      await daemonFor(`http://127.0.0.1:${port}`),
      await daemonFor(`http://127.0.0.1:${port}`),
      await daemonFor(`http://127.0.0.1:${port}`),
    ];
    prometheus = await startPrometheus([a, b, c].map(hostPort), { port });
    for (const d of [a, b, c]) await gateUntil(d, 'verified');
    // Runs on one daemon raise only its own counter: b and c would pass with a's series, a cannot borrow theirs.
    for (let i = 0; i < 5; i += 1) await fetch(`${b.url}/smoke-test`);
    await prometheus.setTargets([b, c].map(hostPort));
    expect(metricCheck(await gateUntil(a, 'missing'))).to.include({ reason: 'not_found' });
    for (const d of [b, c]) expect(metricCheck((await gate(d.url)).receipt).outcome).to.equal('verified');
  });
});
