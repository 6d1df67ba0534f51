import { expect } from 'chai';
import { METRIC } from '../../src/vocabulary';
import { counterValue, probeLivez, probeSummary, report, socketsOf } from '../support/chaos';
import { spawnDaemon, stopDaemon, type SpawnedDaemon } from '../support/daemon';
import { holdConnections } from '../support/hostileClients';

/** Issue 33, item 3: probes that a client cannot take away. */
const HELD = 1100;
/** The case: 16 /livez attempts while the connections are held; here 24, over six seconds,
 * past server.firstByteTimeout (5 s), while the holder opens again whatever the daemon closes. */
const PROBES = 24;
const PROBE_EVERY_MS = 250;
/** A probe slower than this has failed (twice a kubelet's default timeout, for CI's shared cores). */
const PROBE_TIMEOUT_MS = 2000;

const portOf = (url: string) => Number(new URL(url).port);

describe('chaos: held connections (issue 33, item 3)', function () {
  this.timeout(60_000);

  const start = () =>
    spawnDaemon({
      env: { PETSAGE_SMOKE_INTERVAL: '0', PETSAGE_SMOKE_PROBES_ENABLED: 'true', PETSAGE_SMOKE_PROBES_PORT: '0' },
    });
  /** PROBES fresh-connection /livez probes on the main port (from 127.0.0.2) and on the probe listener, while held. */
  const probeBoth = async (daemon: SpawnedDaemon, probesUrl: string) => {
    const main = await probeLivez(daemon.url, {
      localAddress: '127.0.0.2',
      fresh: true,
      everyMs: PROBE_EVERY_MS,
      timeoutMs: PROBE_TIMEOUT_MS,
    });
    const probes = await probeLivez(probesUrl, { fresh: true, everyMs: PROBE_EVERY_MS, timeoutMs: PROBE_TIMEOUT_MS });
    await Promise.all([main.until(PROBES), probes.until(PROBES)]);
    return {
      main: probeSummary((await main.stop()).slice(0, PROBES)),
      probes: probeSummary((await probes.stop()).slice(0, PROBES)),
    };
  };
  const refused = async (probesUrl: string) => ({
    per_client: await counterValue(probesUrl, METRIC.connectionsRefused, { listener: 'main', reason: 'per_client' }),
    idle: await counterValue(probesUrl, METRIC.connectionsRefused, { listener: 'main', reason: 'idle' }),
  });

  /** The daemon with HELD connections held from `addresses` while both ports are probed; what each saw. */
  const heldWhileProbed = async (addresses: string[], what: string) => {
    const daemon = await start();
    const listening = await daemon.waitForEvent('daemon.listening');
    const probesUrl = String(listening.probes_url);
    const held = await holdConnections({
      host: '127.0.0.1',
      port: portOf(daemon.url),
      count: HELD,
      addresses,
      reconnect: true,
      reconnectDelayMs: 250,
    });
    const sockets = socketsOf(daemon.child.pid!);
    const { main, probes } = await probeBoth(daemon, probesUrl);
    await held.stop();
    const counts = await refused(probesUrl);
    report(what, {
      daemon_sockets_when_probing_began: sockets,
      holder: held.stats,
      refused_by_daemon: counts,
      livez_main_from_127_0_0_2: main,
      livez_probe_listener: probes,
    });
    expect((await stopDaemon(daemon)).code, daemon.stderr()).to.equal(0);
    return { main, probes, counts };
  };

  it(`${HELD} idle connections from 127.0.0.1, opened again as they are closed: ${PROBES} of ${PROBES} /livez from 127.0.0.2 answer within ${PROBE_TIMEOUT_MS} ms, and on the probe listener`, async () => {
    const { main, probes, counts } = await heldWhileProbed(['127.0.0.1'], 'one client, 1,100 held');
    expect(main.failed, `main port: ${main.errors.join(', ')}`).to.equal(0);
    expect(probes.failed, `probe listener: ${probes.errors.join(', ')}`).to.equal(0);
    expect(counts.per_client).to.be.above(0);
  });

  it(`${HELD} idle connections spread over 22 addresses (50 each, under the per-client cap; the main port is full at server.maxConnections): the probe listener answers ${PROBES} of ${PROBES} within ${PROBE_TIMEOUT_MS} ms`, async () => {
    const addresses = Array.from({ length: 22 }, (_, i) => `127.0.0.${10 + i}`);
    const { main, probes } = await heldWhileProbed(addresses, '22 clients, 1,100 held');
    expect(main.failed, 'the main port full: probes there refused (else nothing pressed on it)').to.be.above(0);
    expect(probes.failed, `probe listener: ${probes.errors.join(', ')}`).to.equal(0);
  });
});
