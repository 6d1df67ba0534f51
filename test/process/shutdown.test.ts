import { once } from 'node:events';
import net from 'node:net';
import autocannon from 'autocannon';
import { expect } from 'chai';
import { RUN_SPAN_NAME, VERIFICATION_EVENT } from '../../src/vocabulary';
import { jsonLines, otlpSpans, spawnDaemon, type SpawnedDaemon, UNLIMITED } from '../support/daemon';

const CONNECTIONS = 50;
const SIGNAL_AFTER = 20_000; // 200 responses before the signal
const MAX_REQUESTS = 60_000; // bounds the load whatever happens

/**
 * autocannon against GET /smoke-test until the daemon stops answering (bailout on the first
 * connection error); the signal goes out at the SIGNAL_AFTER-th 200. Keeps every 200's trace id.
 */
async function signalUnderLoad(signal: NodeJS.Signals) {
  // Room for the whole load in the log's backlog: this is about the drain, not about shedding (chaos/flood).
  const daemon = await spawnDaemon({
    load: true,
    env: { ...UNLIMITED, PETSAGE_SMOKE_LOG_STDOUT: 'true', PETSAGE_SMOKE_LOG_MAX_BACKLOG: String(MAX_REQUESTS) },
  });
  const ok: string[] = [];
  let signalled = false;
  const result = await autocannon({
    url: `${daemon.url}/smoke-test`,
    connections: CONNECTIONS,
    amount: MAX_REQUESTS,
    bailout: 1,
    verifyBody: (body) => {
      const traceId = (JSON.parse(String(body)) as { trace_id?: string }).trace_id;
      if (traceId !== undefined) ok.push(traceId);
      // Once: this runs for every answer, and a second signal would cut the drain short.
      if (ok.length >= SIGNAL_AFTER && !signalled) signalled = daemon.child.kill(signal);
      return true;
    },
  });
  if (!signalled) daemon.child.kill(signal);
  const { code } = await daemon.exited;
  return { daemon, ok, result, code };
}

function lossCheck(daemon: SpawnedDaemon) {
  const lines = jsonLines(daemon.logFile);
  const verification = lines.filter((l) => l.event === VERIFICATION_EVENT);
  const logged = new Set(verification.map((l) => l.trace_id));
  const stopped = lines.find((l) => l.event === 'daemon.stopped');
  const runSpans = otlpSpans(daemon.spanFile).filter((s) => s.name === RUN_SPAN_NAME);
  return { verification, logged, stopped, runSpans };
}

describe('daemon process: shutdown under load', function () {
  this.timeout(120_000);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} mid-load: every 200 has its line on disk, counter = lines = spans, exit 0`, async () => {
      const { daemon, ok, result, code } = await signalUnderLoad(signal);
      expect(code, daemon.stderr()).to.equal(0);
      expect(ok.length).to.be.at.least(SIGNAL_AFTER);
      expect(result.non2xx, 'non-2xx answers').to.equal(0);

      const { verification, logged, stopped, runSpans } = lossCheck(daemon);
      const missing = ok.filter((id) => !logged.has(id));
      expect(missing, 'responses without a log line').to.deep.equal([]);
      expect(verification.length).to.be.at.least(ok.length);
      expect(stopped, 'final tally line').to.not.equal(undefined);
      expect(stopped!.runs_total).to.equal(verification.length);
      expect(runSpans.length).to.equal(verification.length);
      expect(new Set(runSpans.map((s) => s.traceId))).to.deep.equal(logged);
      expect(stopped!.spans_dropped).to.equal(0);
      expect(stopped!.spans_failed).to.equal(0);
      // Seqs 1..N, none missing or repeated.
      expect(verification.map((l) => l.seq)).to.deep.equal(verification.map((_, i) => i + 1));
      process.stdout.write(
        `      ${signal}: ${result.requests.sent} requests sent, ${ok.length} responses (200), ${verification.length} log lines, counter ${String(stopped!.runs_total)}, ${runSpans.length} run spans\n`,
      );
    });
  }

  /** A request whose headers never finish keeps the drain waiting. */
  async function stuckRequest(url: string): Promise<net.Socket> {
    const { port } = new URL(url);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.on('error', () => {}); // the daemon resets it on exit
    await once(socket, 'connect');
    socket.write('GET /smoke-test HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    return socket;
  }

  it('a second signal during the drain exits 1 at once', async () => {
    const daemon = await spawnDaemon({ args: [], env: { PETSAGE_SMOKE_SHUTDOWN_GRACE_PERIOD: '60s' } });
    const socket = await stuckRequest(daemon.url);
    daemon.child.kill('SIGTERM');
    await daemon.waitForEvent('daemon.shutdown_started');
    daemon.child.kill('SIGTERM');
    const { code } = await daemon.exited;
    socket.destroy();
    expect(code).to.equal(1);
    expect(daemon.stderr()).to.include('second SIGTERM');
  });

  it('exits 1 when the grace period runs out', async () => {
    const daemon = await spawnDaemon({ env: { PETSAGE_SMOKE_SHUTDOWN_GRACE_PERIOD: '300ms' } });
    const socket = await stuckRequest(daemon.url);
    daemon.child.kill('SIGTERM');
    const { code } = await daemon.exited;
    socket.destroy();
    expect(code).to.equal(1);
    expect(daemon.stderr()).to.include('did not finish within 300 ms');
  });
});
