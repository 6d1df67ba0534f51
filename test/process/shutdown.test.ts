import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { expect } from 'chai';
import { RUN_SPAN_NAME, VERIFICATION_EVENT } from '../../src/smoke/constants';
import { jsonLines, otlpSpans, spawnDaemon, type SpawnedDaemon } from '../support/daemon';

const WORKERS = 8;
const MAX_REQUESTS_PER_WORKER = 1500; // bounds the load: at most 12,000 requests
const SIGNAL_AFTER = 400; // responses before the signal

interface LoadResult {
  ok: string[]; // trace ids of 200 responses
  errors: number;
}

/** Keep-alive GET /smoke-test loops; each worker stops at its first failure (the daemon closing). */
function load(url: string, onResponse: (count: number) => void): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
  const result: LoadResult = { ok: [], errors: 0 };
  const get = () =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get(`${url}/smoke-test`, { agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', reject);
        })
        .on('error', reject);
    });
  const worker = async () => {
    for (let i = 0; i < MAX_REQUESTS_PER_WORKER; i += 1) {
      try {
        const res = await get();
        if (res.status !== 200) throw new Error(`status ${res.status}`);
        result.ok.push((JSON.parse(res.body) as { trace_id: string }).trace_id);
        onResponse(result.ok.length);
      } catch {
        result.errors += 1;
        return;
      }
    }
  };
  return Promise.all(Array.from({ length: WORKERS }, worker)).then(() => {
    agent.destroy();
    return result;
  });
}

async function signalUnderLoad(signal: NodeJS.Signals) {
  const daemon = await spawnDaemon({ env: { PETSAGE_SMOKE_LOG_STDOUT: 'true' } });
  let signalled = false;
  const result = await load(daemon.url, (count) => {
    if (count >= SIGNAL_AFTER && !signalled) {
      signalled = true;
      daemon.child.kill(signal);
    }
  });
  if (!signalled) daemon.child.kill(signal);
  const { code } = await daemon.exited;
  return { daemon, result, code };
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
  this.timeout(60_000);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} mid-load: every 200 has its line on disk, counter = lines = spans, exit 0`, async () => {
      const { daemon, result, code } = await signalUnderLoad(signal);
      expect(code, daemon.stderr()).to.equal(0);
      expect(result.ok.length).to.be.at.least(SIGNAL_AFTER);

      const { verification, logged, stopped, runSpans } = lossCheck(daemon);
      const missing = result.ok.filter((id) => !logged.has(id));
      expect(missing, 'responses without a log line').to.deep.equal([]);
      expect(verification.length).to.be.at.least(result.ok.length);
      expect(stopped, 'final tally line').to.not.equal(undefined);
      expect(stopped!.runs_total).to.equal(verification.length);
      expect(runSpans.length).to.equal(verification.length);
      expect(new Set(runSpans.map((s) => s.traceId))).to.deep.equal(logged);
      expect(stopped!.spans_dropped).to.equal(0);
      expect(stopped!.spans_failed).to.equal(0);
      // Seqs 1..N, none missing or repeated.
      expect(verification.map((l) => l.seq)).to.deep.equal(verification.map((_, i) => i + 1));
      process.stdout.write(
        `      ${signal}: ${result.ok.length} responses (200), ${verification.length} log lines, counter ${String(stopped!.runs_total)}, ${runSpans.length} run spans\n`,
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
