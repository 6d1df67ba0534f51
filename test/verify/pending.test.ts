import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { types } from 'node:util';
import { expect } from 'chai';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { failed, type SmokeRun } from '../../src/smoke/types';
import { Pending } from '../../src/verify/pending';
import { verified } from '../../src/verify/types';
import { fakePorts } from '../support/fakes';

/** What a pending run may cost at most, in the live heap (bench/README.md: the pending-run measure). */
const MAX_BYTES_PER_PENDING_RUN = 400;

describe('pending run', () => {
  it('is the run to the readers and the verdicts: every field of the run, the derived ones derived', () => {
    const run = createSmokeRunner(fakePorts({ metric: () => failed('emit_failed') }).ports)('api', { id: 'gate-1' });
    const entry = new Pending(run, 1234.5);
    const fields: (keyof SmokeRun)[] = ['pipeline', 'id', 'traceId', 'spanId', 'seq', 'trigger', 'timestamp'];
    for (const field of [...fields, 'durationSeconds', 'outcome', 'restoredAtMs', 'process'] as const)
      expect(entry[field], field).to.equal(run[field]);
    expect(entry.startedAt.getTime()).to.equal(run.startedAt.getTime());
    expect(entry.signals).to.deep.equal(run.signals);
    expect([entry.outcome, entry.startMono]).to.deep.equal(['failure', 1234.5]);
    const restored = new Pending({ ...run, restoredAtMs: 99, process: 'ab12' }, 0, 5);
    expect([restored.restoredAtMs, restored.process, restored.restored?.resumedMono]).to.deep.equal([99, 'ab12', 5]);
  });

  it('keeps a verified verdict as its lag and time, and hands back the verdict as it landed', () => {
    const entry = new Pending(createSmokeRunner(fakePorts().ports)('http'), 0);
    const landed = Date.UTC(2026, 11, 4, 12);
    entry.decide('trace', verified(0.123456, 'exporter'), landed);
    entry.decide(
      'log',
      { outcome: 'missing', reason: 'not_found', backend: 'file', detail: 'asked the file' },
      landed + 1,
    );
    expect(entry.verdicts()).to.deep.equal({
      trace: {
        signal: 'trace',
        outcome: 'verified',
        reason: 'none',
        lagSeconds: 0.123456,
        backend: 'exporter',
        at: new Date(landed),
      },
      log: {
        signal: 'log',
        outcome: 'missing',
        reason: 'not_found',
        backend: 'file',
        detail: 'asked the file',
        at: new Date(landed + 1),
      },
    });
    expect([entry.undecided('metric'), entry.decided]).to.deep.equal([true, false]);
    entry.decide('metric', verified(1, 'self'), landed + 2);
    expect([entry.decided, entry.judged()]).to.deep.equal([true, 'timeout']);
  });

  it("keeps each signal's verdict apart: three lags, times and backends, a verified one with detail kept whole", () => {
    const entry = new Pending(createSmokeRunner(fakePorts().ports)('http'), 0);
    const landed = Date.UTC(2026, 11, 6, 12);
    entry.decide('metric', verified(3, 'prometheus'), landed + 3);
    entry.decide('log', verified(1, 'file'), landed + 1);
    entry.decide('trace', { ...verified(2, 'tempo'), detail: 'found on the second poll' }, landed + 2);
    expect(entry.verdicts()).to.deep.equal({
      log: {
        signal: 'log',
        outcome: 'verified',
        reason: 'none',
        lagSeconds: 1,
        backend: 'file',
        at: new Date(landed + 1),
      },
      trace: {
        signal: 'trace',
        outcome: 'verified',
        reason: 'none',
        lagSeconds: 2,
        backend: 'tempo',
        detail: 'found on the second poll',
        at: new Date(landed + 2),
      },
      metric: {
        signal: 'metric',
        outcome: 'verified',
        reason: 'none',
        lagSeconds: 3,
        backend: 'prometheus',
        at: new Date(landed + 3),
      },
    });
    expect([entry.decided, entry.judged(), entry.outcome]).to.deep.equal([true, 'verified', 'success']);
    entry.decide('log', { outcome: 'error', reason: 'write_failed', backend: 'file' }, landed + 4);
    expect(entry.judged()).to.equal('failed');
  });

  it('a run that was never restored carries no restore record; a resumed one does', () => {
    const run = createSmokeRunner(fakePorts().ports)('http');
    expect(new Pending(run, 0).restored).to.equal(undefined);
    expect(new Pending(run, 0, 7).restored).to.deep.equal({
      restoredAtMs: undefined,
      process: undefined,
      resumedMono: 7,
    });
    expect(new Pending({ ...run, process: 'ab12' }, 0).restored).to.deep.include({ process: 'ab12' });
    expect(new Pending({ ...run, restoredAtMs: 5 }, 0).restored).to.deep.include({ restoredAtMs: 5 });
  });

  it('the emit statuses as the run had them; an emit error makes the outcome a failure', () => {
    const ok = new Pending(createSmokeRunner(fakePorts().ports)('http'), 0);
    expect([ok.outcome, Object.values(ok.signals).map((s) => s.status)]).to.deep.equal([
      'success',
      ['emitted', 'emitted', 'emitted'],
    ]);
    const metricFailed = new Pending(
      createSmokeRunner(fakePorts({ metric: () => failed('emit_failed') }).ports)('http'),
      0,
    );
    expect([metricFailed.outcome, metricFailed.signals.metric.status, metricFailed.signals.log.status]).to.deep.equal([
      'failure',
      'error',
      'emitted',
    ]);
  });

  it('holds no closure, map, set, promise or date of its own: ids, a few numbers and per-signal state', () => {
    const entry = new Pending(createSmokeRunner(fakePorts().ports)('http'), 0);
    entry.setState('log', 0b1);
    entry.decide('trace', verified(0.01, 'exporter'), Date.now());
    const held = Object.entries(entry).filter(
      ([, v]) => typeof v === 'function' || types.isMap(v) || types.isSet(v) || types.isPromise(v) || types.isDate(v),
    );
    expect(held).to.deep.equal([]);
    const times = Object.values(entry).filter(Array.isArray) as unknown[][];
    expect(times.flat().every((t) => typeof t === 'number')).to.equal(true);
  });

  it(`costs at most ${MAX_BYTES_PER_PENDING_RUN} bytes of live heap while it waits (20,000 runs, measured after a full collection)`, function () {
    this.timeout(60_000);
    const fixture = path.join(__dirname, '..', 'fixtures', 'pendingHeap.fixture.js');
    const child = spawnSync(process.execPath, ['--expose-gc', fixture, '20000'], { encoding: 'utf8' });
    expect(child.status, child.stderr).to.equal(0);
    const { pending, bytesPerRun } = JSON.parse(child.stdout) as { pending: number; bytesPerRun: number };
    expect(pending, 'every run still waits: the log for its line, the metric for its count').to.equal(20_000);
    expect(bytesPerRun).to.be.at.most(MAX_BYTES_PER_PENDING_RUN);
  });
});

describe('pending run: verdicts kept small, never changed by it', () => {
  const runner = createSmokeRunner(fakePorts().ports);
  const landed = Date.UTC(2026, 11, 6, 12);

  it('two runs verified by the same backend keep their own lags', () => {
    const [a, b] = [new Pending(runner('http'), 0), new Pending(runner('http'), 0)];
    a.decide('log', verified(1, 'loki'), landed);
    b.decide('log', verified(2, 'loki'), landed);
    expect([a.verdict('log'), b.verdict('log')].map((v) => [v?.outcome, v?.reason, v?.lagSeconds])).to.deep.equal([
      ['verified', 'none', 1],
      ['verified', 'none', 2],
    ]);
  });

  it('a finding that is not a plain verified one is handed back as it landed', () => {
    const findings = [
      { outcome: 'missing', reason: 'not_found', backend: 'loki', lagSeconds: 4 },
      { outcome: 'verified', reason: 'none', lagSeconds: 5 },
      { outcome: 'verified', reason: 'none', backend: 'loki' },
    ] as const;
    for (const finding of findings) {
      const entry = new Pending(runner('http'), 0);
      entry.decide('log', finding, landed);
      expect(entry.verdict('log'), JSON.stringify(finding)).to.deep.equal({
        signal: 'log',
        ...finding,
        at: new Date(landed),
      });
    }
  });

  it('every caller waiting for the run is told when it settles', async () => {
    const entry = new Pending(runner('http'), 0);
    const waiting = [entry.settledAs('first'), entry.settledAs('second')];
    entry.settle('verified');
    expect(await Promise.all(waiting)).to.deep.equal(['first', 'second']);
    expect([entry.status, await entry.settledAs('after')]).to.deep.equal(['verified', 'after']);
  });
});
