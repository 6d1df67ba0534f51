import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { VERIFICATION_EVENT } from '../../src/vocabulary';
import { MAIN, spawnDaemon, stopDaemon } from '../support/daemon';
import { gate, receiptOf } from '../support/receipts';
import { tmpDir } from '../support/tmp';

/** Fast settings so a test sees verdicts in a second or two. */
const FAST = {
  PETSAGE_SMOKE_INTERVAL: '100ms',
  PETSAGE_SMOKE_VERIFY_TIMEOUT: '5s',
  PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '50ms',
  OTEL_BSP_SCHEDULE_DELAY: '100',
  OTEL_BSP_EXPORT_TIMEOUT: '1000',
  // The trace path alone: with an OTLP endpoint set, log records would go there too.
  OTEL_LOGS_EXPORTER: 'none',
};

const cli = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('daemon process: reading every signal back', function () {
  this.timeout(60_000);

  it('scheduled and caller-named runs are verified for log, trace and metric, with lag', async () => {
    const daemon = await spawnDaemon({ env: FAST });
    // A scheduled run before the gated one: its verdict lands no later than the gate's.
    const scheduled = await daemon.waitForEvent(VERIFICATION_EVENT, (l) => l.trigger === 'schedule');
    const { status, receipt } = await gate(daemon.url, 'deploy-1');
    expect(status, JSON.stringify(receipt)).to.equal(200);
    for (const signal of ['log', 'trace', 'metric']) {
      const check = receipt.checks[`${signal}:verification`]![0]!;
      expect(check.outcome, signal).to.equal('verified');
      expect(
        Number.isFinite(check.observedValue) && check.observedValue! >= 0,
        `${signal} lag ${check.observedValue}`,
      ).to.equal(true);
    }
    expect((await receiptOf(daemon.url, String(scheduled.run_id))).outcome).to.equal('verified');
    expect((await stopDaemon(daemon)).code, daemon.stderr()).to.equal(0);
  });

  it('`check` prints one line per signal and exits 0 when all are verified', async () => {
    const daemon = await spawnDaemon({ env: FAST });
    try {
      const out = cli(['check', '--url', daemon.url, '--timeout', '20s', '--id', 'ci-42']);
      expect(out.status, out.stdout + out.stderr).to.equal(0);
      const lines = out.stdout.trim().split('\n');
      expect(lines.slice(0, 3).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).to.deep.equal([
        'log verified',
        'trace verified',
        'metric verified',
      ]);
      expect(lines[3]).to.equal('run ci-42 verified');
      const dup = cli(['check', '--url', daemon.url, '--id', 'ci-42']);
      expect(dup.status).to.equal(1);
      expect(dup.stdout).to.include('409');
    } finally {
      await stopDaemon(daemon);
    }
  });

  it('`check` exits 1 when the daemon cannot be reached', () => {
    const out = cli(['check', '--url', 'http://127.0.0.1:9', '--timeout', '5s']);
    expect(out.status).to.equal(1);
    expect(out.stdout).to.include('cannot reach http://127.0.0.1:9/smoke-test');
  });

  it('`audit-log` accounts for every line of a real log, and exits 1 when one is removed', async () => {
    const daemon = await spawnDaemon({ env: FAST });
    for (let i = 0; i < 20; i += 1) await fetch(`${daemon.url}/smoke-test`);
    await stopDaemon(daemon);
    const clean = cli(['audit-log', daemon.logFile]);
    expect(clean.status, clean.stdout).to.equal(0);
    expect(clean.stdout).to.match(/process 1: runs 1\.\.\d+, \d+ lines, 0 missing, 0 duplicates, 0 out of order/);

    const lines = readFileSync(daemon.logFile, 'utf8').split('\n');
    const victim = lines.findIndex((l) => l.includes('"seq":7,'));
    const damaged = path.join(tmpDir(), 'damaged.log');
    writeFileSync(damaged, lines.filter((_, i) => i !== victim).join('\n'));
    const audit = cli(['audit-log', damaged]);
    expect(audit.status).to.equal(1);
    expect(audit.stdout).to.include('1 missing (7)');
  });

  it('a log file that cannot be written turns the log verdict into write_failed', async () => {
    const daemon = await spawnDaemon({
      args: ['--log-file', '/dev/full'],
      env: { ...FAST, PETSAGE_SMOKE_LOG_STDOUT: 'true' },
    });
    try {
      const { status, receipt } = await gate(daemon.url);
      expect(status).to.equal(502);
      expect(receipt.checks['log:verification']![0]).to.include({ outcome: 'error', reason: 'write_failed' });
      expect(receipt.checks['trace:verification']![0]!.outcome).to.equal('verified');
    } finally {
      daemon.child.kill('SIGKILL');
      await daemon.exited;
    }
  });

  describe('an OTLP endpoint that fails: trace verdict export_failed, the endpoint keeps answering', () => {
    const receivers: Record<string, (server: Server) => void> = {
      refuses: (server) => server.close(), // nothing listens on the port
      hangs: (server) => server.on('request', () => {}), // accepts, never answers
      'answers 503': (server) => server.on('request', (_req, res) => res.writeHead(503).end()),
    };
    for (const [behaviour, setUp] of Object.entries(receivers)) {
      it(`receiver ${behaviour}`, async () => {
        const server = createServer().listen(0, '127.0.0.1');
        await once(server, 'listening');
        const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        setUp(server);
        const daemon = await spawnDaemon({ env: { ...FAST, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
        try {
          const gated = gate(daemon.url);
          // While exports fail or hang, plain runs still answer.
          for (let i = 0; i < 5; i += 1) expect((await fetch(`${daemon.url}/smoke-test`)).status).to.equal(200);
          const { status, receipt } = await gated;
          expect(status).to.equal(502);
          expect(receipt.checks['trace:verification']![0]).to.include({ outcome: 'error', reason: 'export_failed' });
          expect(receipt.checks['log:verification']![0]!.outcome).to.equal('verified');
          const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
          expect(metrics).to.match(/petsage_smoke_spans_exported_total\{pipeline="default",outcome="failure"\} [1-9]/);
        } finally {
          daemon.child.kill('SIGKILL');
          await daemon.exited;
          server.closeAllConnections();
          server.close();
        }
      });
    }
  });
});
