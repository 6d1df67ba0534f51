import { readdirSync, writeFileSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { EVENT, RUN_SPAN_NAME } from '../../src/vocabulary';
import { spawnDaemon, type SpawnedDaemon } from '../support/daemon';
import { fileWhere } from '../support/files';
import { receiptOf, type Receipt } from '../support/receipts';
import { startLoki } from '../support/standins/loki';
import { startTempo } from '../support/standins/tempo';
import { tmpDir } from '../support/tmp';

const QUICK = {
  PETSAGE_SMOKE_INTERVAL: '0',
  PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '100ms',
  OTEL_BSP_SCHEDULE_DELAY: '50',
  OTEL_BLRP_SCHEDULE_DELAY: '50',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
};

/** The part of the state file this test reads: each pending run and what its hops had confirmed (ms, or null). */
/** The lines of the state file this test reads: each pending run, and which of its hops had confirmed it. */
interface StateLine {
  kind: string;
  run?: { id: string };
  progress?: Partial<Record<'log' | 'trace' | 'metric', boolean[]>>;
}

/** Every file under a directory, relative to it. */
const filesUnder = (dir: string): string[] =>
  (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();

const post = (d: SpawnedDaemon, id: string) =>
  fetch(`${d.url}/smoke-test`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id }),
  }).then((r) => r.status);

/** A receipt once it has its verdict: receipts have no push, so ask until it is not pending (bounded by the test timeout). */
async function settled(d: SpawnedDaemon, id: string): Promise<Receipt> {
  for (;;) {
    const receipt = await receiptOf(d.url, id);
    if (receipt.outcome !== 'pending') return receipt;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('daemon process: state across a restart, and spot checks', function () {
  this.timeout(120_000);
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const clean of cleanups.splice(0).reverse()) await clean().catch(() => undefined);
  });
  // Every daemon of a test is a restart of the first: the same directory, so the same log and span files.
  let dir: string | undefined;
  beforeEach(() => (dir = undefined));
  const daemon = async (env: Record<string, string>, args: string[] = []) => {
    const d = await spawnDaemon({ env: { ...QUICK, ...env }, args, ...(dir ? { dir } : {}) });
    dir = d.dir;
    cleanups.push(async () => {
      if (d.child.exitCode === null) d.child.kill('SIGKILL');
      await d.exited;
    });
    return d;
  };

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${signal} while runs await a slow trace store: the next process resumes them and every one ends verified or explicitly failed`, async () => {
      const tempo = await startTempo({ delayMs: 4000 }); // stored now, found by id four seconds later
      cleanups.push(() => tempo.close());
      const stateFile = path.join(tmpDir(), 'state.json');
      const env = {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${tempo.url}/v1/traces`,
        PETSAGE_SMOKE_TEMPO_URL: tempo.url,
        PETSAGE_SMOKE_STATE_FILE: stateFile,
        PETSAGE_SMOKE_STATE_WRITE_INTERVAL: '200ms',
        PETSAGE_SMOKE_VERIFY_TIMEOUT: '20s',
      };
      const first = await daemon(env);
      const ids = ['r1', 'r2', 'r3', 'r4', 'r5'];
      for (const id of ids) expect(await post(first, id)).to.equal(202);
      await tempo.waitForStored((s) => s.name === RUN_SPAN_NAME, ids.length);
      if (signal === 'SIGKILL') {
        // What the last periodic write holds is what survives a kill, and an exporter's acknowledgement
        // cannot come again in the next process: wait for a write holding every run with its span
        // acknowledged (the trace's first hop), not merely the runs.
        await fileWhere(stateFile, (text) => {
          const acked = new Set(
            text
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as StateLine)
              .filter((l) => l.kind === 'pending' && l.progress?.trace?.[0] === true)
              .map((l) => l.run!.id),
          );
          return ids.every((id) => acked.has(id));
        });
      }
      first.child.kill(signal);
      const exit = await first.exited;
      expect(exit.code ?? exit.signal).to.equal(signal === 'SIGTERM' ? 0 : 'SIGKILL');

      const second = await daemon(env);
      const restored = await second.waitForEvent(EVENT.stateRestored);
      expect(restored.pending).to.equal(ids.length);
      for (const id of ids) {
        const receipt = await settled(second, id);
        expect(['verified', 'failed', 'timeout'], `${id}: ${JSON.stringify(receipt)}`).to.include(receipt.outcome);
        const trace = receipt.checks['trace:verification']![0]!;
        expect(trace, id).to.include({ outcome: 'verified', backend: 'tempo' });
        expect(trace.observedValue, `${id}: the true lag, from the run's start in the first process`).to.be.at.least(4);
        if (signal === 'SIGTERM')
          expect(receipt.outcome, `${id}: ${JSON.stringify(receipt.checks)}`).to.equal('verified');
      }
    });
  }

  it('a record the store forgets after it was verified: lost_after_ingest for that signal only', async () => {
    const loki = await startLoki();
    const tempo = await startTempo();
    cleanups.push(
      () => loki.close(),
      () => tempo.close(),
    );
    const d = await daemon({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${tempo.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${loki.url}/otlp/v1/logs`,
      PETSAGE_SMOKE_LOKI_URL: loki.url,
      PETSAGE_SMOKE_TEMPO_URL: tempo.url,
      // Hours in seconds: a run kept every second, for a minute, re-read every 300 ms.
      PETSAGE_SMOKE_SPOT_INTERVAL: '1s',
      PETSAGE_SMOKE_RETENTION_HORIZON: '1m',
      PETSAGE_SMOKE_RECHECK_INTERVAL: '300ms',
    });
    const kept = await fetch(`${d.url}/smoke-test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id":"kept-1","wait":true}',
    });
    expect(kept.status).to.equal(200);
    const traceId = ((await kept.json()) as { trace_id: string }).trace_id;
    // Until the re-reads find it, then the trace store loses it.
    for (;;) {
      const text = await (await fetch(`${d.url}/metrics?name=petsage_smoke_spot_checks_total`)).text();
      if (/signal="trace",outcome="found",age="[^"]+"\} [1-9]/.test(text)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(tempo.forget((s) => s.traceId === traceId)).to.be.above(0);
    const lost = await d.waitForEvent(EVENT.lostAfterIngest);
    expect(lost).to.include({ run_id: 'kept-1', trace_id: traceId, signal: 'trace', backend: 'tempo' });
    const text = await (await fetch(`${d.url}/metrics?name=petsage_smoke_spot_checks_total`)).text();
    expect(text).to.match(/signal="log",outcome="found",age="[^"]+"\} [1-9]/);
    expect(text).to.not.match(/signal="log",outcome="lost_after_ingest",age="[^"]+"\} [1-9]/);
  });

  it('a truncated or garbage state file: set aside with a warning, the daemon starts clean', async () => {
    const dir = tmpDir();
    const stateFile = path.join(dir, 'state.json');
    writeFileSync(stateFile, '{"version":1,"writtenAt":"2026-');
    const d = await daemon({ PETSAGE_SMOKE_STATE_FILE: stateFile });
    const warning = await d.waitForEvent(EVENT.stateUnreadable);
    expect(warning).to.include({ level: 'warn', why: 'not JSON' });
    await d.waitForStderr('could not be read back');
    expect(readdirSync(dir).filter((f) => f.startsWith('state.json.unreadable-'))).to.have.length(1);
    expect((await fetch(`${d.url}/smoke-test`)).status).to.equal(200);
  });

  it('state.path "" keeps no state: its drain writes nothing (the default path is written then), and no state line', async () => {
    // The default, ./var/state/petsage-smoke.json in the daemon's working directory, is written at the drain.
    const kept = await daemon({});
    expect(await post(kept, 'kept-state')).to.equal(202);
    kept.child.kill('SIGTERM');
    expect((await kept.exited).code, kept.stderr()).to.equal(0);
    expect(filesUnder(kept.dir)).to.include('var/state/petsage-smoke.json');

    // In a config file: an empty environment variable counts as unset, as OTEL_* ones do.
    const config = path.join(tmpDir('petsage-config-'), 'no-state.yaml');
    writeFileSync(config, 'state:\n  path: ""\n  writeInterval: 100ms\n');
    dir = undefined; // not a restart: a directory of its own
    const none = await daemon({}, ['--config', config]);
    expect(await post(none, 'no-state')).to.equal(202);
    none.child.kill('SIGTERM');
    expect((await none.exited).code, none.stderr()).to.equal(0);
    expect(filesUnder(none.dir)).to.deep.equal(['log/petsage-smoke.log', 'spans/spans.jsonl']);
    expect(none.stdout.filter((l) => l.includes('"event":"state.'))).to.deep.equal([]);
  });
});
