import path from 'node:path';
import autocannon from 'autocannon';
import { expect } from 'chai';
import { spawnDaemon, type SpawnedDaemon, UNLIMITED, stopDaemon } from '../support/daemon';
import { gate } from '../support/receipts';
import { verdictCounts } from '../support/verdicts';

const RUNS = 100_000;
const WARM_UP = 10_000;
const LEDGER = 1000;

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/** The daemon's live heap (after a full collection) and RSS, from the preloaded gcOnSignal hook. */
function liveMemory(daemon: SpawnedDaemon): Promise<{ live_heap_bytes: number; rss_bytes: number }> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find((l) => l.startsWith('{"live_heap_bytes"'));
      if (!line) return;
      daemon.child.stderr.off('data', onData);
      resolve(JSON.parse(line) as { live_heap_bytes: number; rss_bytes: number });
    };
    daemon.child.stderr.on('data', onData);
    daemon.child.kill('SIGUSR2');
  });
}

describe('daemon process: memory over 100,000 runs', function () {
  this.timeout(300_000);

  it('the ledger and the verification maps stay bounded: live heap flat between 10,000 and 100,000 runs', async () => {
    const hook = path.join(__dirname, '..', 'support', 'gcOnSignal.js');
    const daemon = await spawnDaemon({
      load: true,
      env: {
        ...UNLIMITED,
        PETSAGE_SMOKE_INTERVAL: '0',
        PETSAGE_SMOKE_LEDGER_SIZE: String(LEDGER),
        NODE_OPTIONS: `--require ${hook}`,
      },
    });
    const start = await liveMemory(daemon);
    let firstTraceId: string | undefined;
    const load = (amount: number) =>
      autocannon({
        url: `${daemon.url}/smoke-test`,
        connections: 20,
        amount,
        verifyBody: (body) => {
          firstTraceId ??= (JSON.parse(String(body)) as { trace_id: string }).trace_id;
          return true;
        },
      });
    // Measured once a gated run is verified: the runs before it have settled too (their lines
    // were read first, their spans exported first), so what is left is what the daemon keeps.
    const settled = async (id: string) => {
      // A deploy gate has room of its own: right after a flood, it is verified the first time.
      const { status, receipt } = await gate(daemon.url, id);
      expect(status, JSON.stringify(receipt)).to.equal(200);
      return liveMemory(daemon);
    };
    expect((await load(WARM_UP))['2xx']).to.equal(WARM_UP);
    const warm = await settled('after-warm-up');
    expect((await load(RUNS - WARM_UP))['2xx']).to.equal(RUNS - WARM_UP);
    const end = await settled('after-load');
    const logVerdicts = await verdictCounts(daemon.url, 'log');
    process.stdout.write(
      `      ${RUNS} runs: RSS ${mib(start.rss_bytes)} MiB at start, ${mib(warm.rss_bytes)} after ${WARM_UP}, ${mib(end.rss_bytes)} after ${RUNS}; ` +
        `live heap ${mib(start.live_heap_bytes)} / ${mib(warm.live_heap_bytes)} / ${mib(end.live_heap_bytes)} MiB; ` +
        `log verdicts ${JSON.stringify(logVerdicts.byKind)} of ${logVerdicts.runs} runs\n`,
    );
    // Every run is accounted for: read back, or counted as over capacity.
    expect(Object.values(logVerdicts.byKind).reduce((a, b) => a + b, 0)).to.equal(logVerdicts.runs);

    // The oldest run has left the ledger; the newest is there.
    expect((await fetch(`${daemon.url}/smoke-test/${firstTraceId}`)).status).to.equal(404);
    const last = (await (await fetch(`${daemon.url}/smoke-test`)).json()) as { run_id: string };
    expect((await fetch(`${daemon.url}/smoke-test/${last.run_id}`)).status).to.equal(200);
    // Live heap after a full collection: 90,000 more runs, and a leak of 100 bytes a run would add 8.6 MiB.
    expect(end.live_heap_bytes - warm.live_heap_bytes, 'live heap growth after warm-up').to.be.below(8 * 2 ** 20);
    expect((await stopDaemon(daemon)).code, daemon.stderr()).to.equal(0);
  });
});
