import { expect } from 'chai';
import { spawnDaemon, type SpawnedDaemon } from '../support/daemon';
import { startPrometheus, type RealPrometheus } from '../support/prometheus';
import { readDashboard } from '../support/repo';

/** The fleet panel's query as Grafana sends it with "All" selected. */
const fleetQuery = () => {
  const panel = readDashboard().panels.find((p) => p.title.startsWith('Fleet:'));
  expect(panel, 'the fleet panel').to.not.equal(undefined);
  return panel!.targets[0]!.expr.replaceAll('$job', '.*').replaceAll('$instance', '.*').replaceAll('$pipeline', '.*');
};

describe('end to end: a fleet of three daemons under one Prometheus, one with a broken log path', function () {
  this.timeout(90_000);
  const daemons: SpawnedDaemon[] = [];
  let prometheus: RealPrometheus | undefined;

  after(async () => {
    await prometheus?.stop();
    for (const d of daemons) d.child.kill('SIGKILL');
    await Promise.all(daemons.map((d) => d.exited));
  });

  it("the fleet panel shows exactly that daemon's log signal failing, every other signal of every daemon verified", async () => {
    const env = { PETSAGE_SMOKE_INTERVAL: '200ms', PETSAGE_SMOKE_VERIFY_TIMEOUT: '5s', OTEL_BSP_SCHEDULE_DELAY: '100' };
    daemons.push(
      await spawnDaemon({ env }),
      await spawnDaemon({ env }),
      await spawnDaemon({ env, args: ['--log-file', '/dev/full'] }),
    );
    const [healthy1, healthy2, broken] = daemons.map((d) => new URL(d.url).host) as [string, string, string];
    prometheus = await startPrometheus([healthy1, healthy2, broken]);
    const expected = [
      ...[healthy1, healthy2].flatMap((instance) =>
        ['log', 'metric', 'trace'].map((signal) => `${instance} ${signal} 0`),
      ),
      `${broken} log 1`,
      `${broken} metric 0`,
      `${broken} trace 0`,
    ].sort();
    // Until every daemon's signals are there and the broken one's log has been judged and scraped (a
    // poll: Prometheus has no event for it); then what every other signal shows is checked.
    let shown: string[] = [];
    while (shown.length < expected.length || !shown.includes(`${broken} log 1`)) {
      await new Promise((r) => setTimeout(r, 250));
      shown = (await prometheus.query(fleetQuery()))
        .map((s) => `${s.metric.instance} ${s.metric.signal} ${s.value[1]}`)
        .sort();
    }
    expect(shown).to.deep.equal(expected);
    const failing = await prometheus.query(`${fleetQuery()} == 1`);
    expect(failing.map((s) => s.metric)).to.deep.equal([{ instance: broken, pipeline: 'default', signal: 'log' }]);
  });
});
