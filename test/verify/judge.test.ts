import { expect } from 'chai';
import type { Failure, PolledReader, PushedReader, Answer, Waiting } from '../../src/readers/types';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { failed, skipped, type SmokeRun } from '../../src/smoke/types';
import { createJudge, type Chains } from '../../src/verify/judge';
import type { Verdict } from '../../src/verify/types';
import type { Backend, Signal } from '../../src/vocabulary';
import { fakePorts } from '../support/fakes';
import { armedTimeouts } from '../support/timers';

/** A reader the test answers for: it hears of every run, and the test says found or why not. */
function pushed(backend: Backend = 'file') {
  let target: { waiting: Waiting; report: Answer } | undefined;
  const reader: PushedReader = {
    kind: 'pushed',
    backend,
    asked: `the ${backend}`,
    missingReason: 'not_found',
    attach: (waiting, report) => void (target = { waiting, report }),
  };
  return {
    reader,
    /** Found (no failure) or failed, for a run still waiting here. */
    answer(run: SmokeRun, failure?: Failure) {
      const waiting = target!.waiting.get(run.traceId);
      if (waiting) target!.report(waiting, failure);
    },
    waiting: (run: SmokeRun) => target!.waiting.get(run.traceId) !== undefined,
  };
}

const chains = (c: Partial<Record<Signal, PushedReader | PolledReader>>): Chains => ({
  log: c.log ? [c.log] : 'disabled',
  trace: c.trace ? [c.trace] : 'disabled',
  metric: c.metric ? [c.metric] : 'disabled',
});

/** A judge on a monotonic clock the test moves, or (for deadlines that must fire) the real one. */
function judgeWith(
  c: Chains,
  timeoutMs = 60_000,
  capacity: number | { other: number; api: number } = 1000,
  clock: 'manual' | 'real' = 'manual',
) {
  const seen: Verdict[] = [];
  let manual = 0;
  const rooms = typeof capacity === 'number' ? { other: capacity, api: capacity } : capacity;
  const judge = createJudge({
    chains: c,
    timeoutMs,
    pollMs: 3_600_000,
    capacity: rooms,
    now: Date.now,
    mono: clock === 'manual' ? () => manual : () => performance.now(),
    onVerdict: (v) => seen.push(v),
  });
  return { judge, seen, advance: (ms: number) => (manual += ms) };
}
const runner = () => createSmokeRunner(fakePorts().ports);

describe('judge', () => {
  it('verified only when every signal is verified, each with its lag', async () => {
    const [log, trace, metric] = [pushed('file'), pushed('exporter'), pushed('self')];
    const { judge, seen, advance } = judgeWith(chains({ log: log.reader, trace: trace.reader, metric: metric.reader }));
    const report = judge.judge(runner()('schedule'));
    expect(report.status).to.equal('pending');
    advance(20);
    log.answer(report.run);
    trace.answer(report.run);
    advance(980);
    metric.answer(report.run);
    expect((await report.settled).status).to.equal('verified');
    expect(seen.map((v) => [v.signal, v.lagSeconds, v.backend])).to.deep.equal([
      ['log', 0.02, 'file'],
      ['trace', 0.02, 'exporter'],
      ['metric', 1, 'self'],
    ]);
  });

  it('failed when a signal errors, timeout when one is missing at its deadline; says which', async () => {
    const [log, trace] = [pushed('file'), pushed('exporter')];
    const a = judgeWith(chains({ log: log.reader, trace: trace.reader }));
    const run = runner()('http');
    const report = a.judge.judge(run);
    log.answer(run);
    trace.answer(run, { reason: 'export_failed', detail: 'HTTP 503' });
    expect((await report.settled).status).to.equal('failed');
    expect(report.verdicts.trace).to.include({
      outcome: 'error',
      reason: 'export_failed',
      backend: 'exporter',
      detail: 'HTTP 503',
    });

    const b = judgeWith(chains({ metric: pushed('self').reader }), 5, 1000, 'real');
    const timedOut = await b.judge.judge(runner()('http')).settled;
    expect(timedOut.status).to.equal('timeout');
    expect(timedOut.verdicts.metric).to.include({
      outcome: 'missing',
      reason: 'not_found',
      backend: 'self',
      detail: 'asked the self',
    });
  });

  it('takes a signal that was not emitted from its emit status, without reading back', async () => {
    const fake = fakePorts({ sampled: false, log: () => failed('write_failed') });
    const [log, trace, metric] = [pushed(), pushed(), pushed('self')];
    const { judge } = judgeWith(chains({ log: log.reader, trace: trace.reader, metric: metric.reader }));
    const report = judge.judge(createSmokeRunner(fake.ports)('http'));
    expect([log.waiting(report.run), trace.waiting(report.run), metric.waiting(report.run)]).to.deep.equal([
      false,
      false,
      true,
    ]);
    metric.answer(report.run);
    await report.settled;
    expect(report.verdicts.log).to.include({ outcome: 'error', reason: 'write_failed' });
    expect(report.verdicts.trace).to.include({ outcome: 'skipped', reason: 'sampled_out' });
    expect(report.status).to.equal('failed');
  });

  it('a disabled signal is skipped', async () => {
    const metric = pushed('self');
    const { judge } = judgeWith(chains({ metric: metric.reader }));
    const report = judge.judge(runner()('http'));
    metric.answer(report.run);
    await report.settled;
    expect(report.verdicts.log).to.include({ outcome: 'skipped', reason: 'disabled' });
  });

  it('stop settles pending runs as unverified without reporting them, and later runs are not read back', async () => {
    const metric = pushed('self');
    const { judge, seen } = judgeWith(chains({ metric: metric.reader }));
    const pending = judge.judge(runner()('http'));
    expect(judge.pending).to.equal(1);
    await judge.stop();
    expect(judge.pending).to.equal(0);
    expect((await pending.settled).status).to.equal('unverified');
    expect(seen.filter((v) => v.signal === 'metric')).to.deep.equal([]);
    expect(judge.judge(runner()('http')).verdicts.trace).to.include({
      reason: 'disabled',
      detail: 'the daemon is shutting down',
    });
  });

  it('counts runs awaiting verdicts, with one timer for all of them, and takes the first answer only', async () => {
    const armed = armedTimeouts();
    const before = armed.size;
    const metric = pushed('self');
    const { judge, seen } = judgeWith(chains({ metric: metric.reader }));
    const make = runner();
    const reports = Array.from({ length: 100 }, () => judge.judge(make('http')));
    expect([judge.pending, armed.size - before]).to.deep.equal([100, 1]);
    for (const r of reports) metric.answer(r.run);
    metric.answer(reports[0]!.run, { reason: 'export_failed' });
    expect([judge.pending, armed.size - before]).to.deep.equal([0, 0]);
    expect(reports.map((r) => r.status)).to.deep.equal(Array(100).fill('verified'));
    expect(seen.filter((v) => v.signal === 'metric')).to.have.length(100);
    expect(await reports[0]?.settled).to.equal(reports[0]);
  });

  it('a snapshot of pending runs, newest first, resumes in another judge: earlier verdicts kept, hops already found skipped', async () => {
    const [log, acks, store] = [pushed('file'), pushed('exporter'), pushed('tempo')];
    const first = judgeWith({ log: [log.reader], trace: [acks.reader, store.reader], metric: 'disabled' });
    const make = runner();
    const [older, run] = [first.judge.judge(make('http')), first.judge.judge(make('api', { id: 'gate-7' }))];
    log.answer(run.run);
    acks.answer(run.run);
    const snapshot = [...first.judge.snapshot(10)];
    expect(snapshot.map((p) => p.run.id)).to.deep.equal([run.run.id, older.run.id]);
    expect(snapshot[0]!.verdicts.log).to.include({ outcome: 'verified' });
    expect(snapshot[0]!.progress).to.deep.equal({ trace: [true, false] });
    expect([...first.judge.snapshot(1)].map((p) => p.run.id)).to.deep.equal([run.run.id]);

    const [log2, acks2, store2] = [pushed('file'), pushed('exporter'), pushed('tempo')];
    const second = judgeWith({ log: [log2.reader], trace: [acks2.reader, store2.reader], metric: 'disabled' });
    const again = second.judge.resume(snapshot[0]!)!;
    expect([acks2.waiting(run.run), store2.waiting(run.run)], 'the exporter had acknowledged it').to.deep.equal([
      false,
      true,
    ]);
    store2.answer(run.run);
    expect((await again.settled).status).to.equal('verified');
    expect(
      second.seen.map((v) => v.signal),
      'the log verdict was counted before the restart',
    ).to.deep.equal(['trace']);
    expect([...second.judge.snapshot(10)]).to.deep.equal([]);
  });

  it('beyond its capacity, leaves a run unverified and counts each signal as skipped: over_capacity', () => {
    const metric = pushed('self');
    const { judge, seen } = judgeWith(chains({ metric: metric.reader }), 60_000, 2);
    const make = runner();
    const [first, second, third] = [judge.judge(make('http')), judge.judge(make('http')), judge.judge(make('http'))];
    expect([first.status, second.status, third.status, judge.pending]).to.deep.equal([
      'pending',
      'pending',
      'unverified',
      2,
    ]);
    expect(Object.values(third.verdicts).map((v) => [v.signal, v.outcome, v.reason])).to.deep.equal([
      ['log', 'skipped', 'over_capacity'],
      ['trace', 'skipped', 'over_capacity'],
      ['metric', 'skipped', 'over_capacity'],
    ]);
    expect(seen.filter((v) => v.reason === 'over_capacity')).to.have.length(3);
    metric.answer(first.run);
    expect([first.status, judge.judge(make('http')).status]).to.deep.equal(['verified', 'pending']);
  });

  it('a verdict from the emit status: skipped as sampled out or disabled; an emit error as write_failed, dropped, or emit_failed', () => {
    const cases: [ReturnType<typeof failed>, string, string][] = [
      [skipped('sampled_out'), 'skipped', 'sampled_out'],
      [skipped('disabled'), 'skipped', 'disabled'],
      [skipped('emit_failed'), 'skipped', 'disabled'],
      [failed('write_failed'), 'error', 'write_failed'],
      [failed('dropped'), 'error', 'dropped'],
      [failed('emit_failed'), 'error', 'emit_failed'],
      [failed('sampled_out'), 'error', 'emit_failed'],
    ];
    const seen = cases.map(([emit]) => {
      const { judge } = judgeWith(chains({ log: pushed().reader }));
      const report = judge.judge(createSmokeRunner(fakePorts({ log: () => emit }).ports)('http'));
      return [report.verdicts.log?.outcome, report.verdicts.log?.reason];
    });
    expect(seen).to.deep.equal(cases.map(([, outcome, reason]) => [outcome, reason]));
  });

  it('POST runs have a room of their own: a full room of GET runs does not turn a gate away', () => {
    const { judge } = judgeWith(chains({ metric: pushed('self').reader }), 60_000, { other: 1, api: 2 });
    const make = runner();
    const statuses = [
      judge.judge(make('http')),
      judge.judge(make('schedule')),
      judge.judge(make('api')),
      judge.judge(make('api')),
      judge.judge(make('api')),
    ].map((r) => r.status);
    expect(statuses).to.deep.equal(['pending', 'unverified', 'pending', 'pending', 'unverified']);
    expect([judge.pendingIn('other'), judge.pendingIn('api'), judge.capacity]).to.deep.equal([
      1,
      2,
      { other: 1, api: 2 },
    ]);
    expect(judge.judge(make('http')).verdicts.log).to.include({
      reason: 'over_capacity',
      detail: 'too many runs awaiting verification',
    });
  });

  it('every due deadline fires, whatever the order in which runs were resumed and judged', async () => {
    const metric = pushed('self');
    const { judge } = judgeWith(chains({ metric: metric.reader }), 20, 1000, 'real');
    const make = runner();
    // Restored from a file written under a clock far ahead: its start is in the future.
    const future = { ...make('http'), startedAt: new Date('2099-01-01T00:00:00Z') };
    const resumed = judge.resume({ run: future, verdicts: {}, progress: {} })!;
    const live = judge.judge(make('api'));
    const [a, b] = await Promise.all([resumed.settled, live.settled]);
    expect([a.status, b.status]).to.deep.equal(['timeout', 'timeout']);
  });

  it('a resumed run waits a full timeout from now, takes room (none when the room is full), and a signal disabled since is skipped', async () => {
    const { judge, seen } = judgeWith(chains({ metric: pushed('self').reader }), 60_000, 1);
    const run = runner()('http');
    const longAgo = { ...run, startedAt: new Date(Date.now() - 3_600_000) };
    const resumed = judge.resume({ run: longAgo, verdicts: {}, progress: {} })!;
    expect([resumed.status, judge.pending]).to.deep.equal(['pending', 1]);
    expect(resumed.verdicts.log).to.include({ outcome: 'skipped', reason: 'disabled' });
    expect(seen.map((v) => `${v.signal} ${v.reason}`)).to.deep.equal(['log disabled', 'trace disabled']);
    expect(judge.judge(runner()('schedule')).status, 'the room is taken').to.equal('unverified');
    expect(judge.resume({ run: runner()('http'), verdicts: {}, progress: {} }), 'nor restored past it').to.equal(
      undefined,
    );
  });

  it('a resumed run whose verdicts had all landed settles at once and leaves its room free', async () => {
    const { judge } = judgeWith(chains({ metric: pushed('self').reader }), 60_000, 1);
    const run = runner()('http');
    const at = new Date();
    const verdicts = {
      log: { signal: 'log', outcome: 'verified', reason: 'none', at },
      trace: { signal: 'trace', outcome: 'verified', reason: 'none', at },
      metric: { signal: 'metric', outcome: 'missing', reason: 'timeout', at },
    } as const;
    const resumed = judge.resume({ run, verdicts, progress: {} })!;
    expect([resumed.status, judge.pending]).to.deep.equal(['timeout', 0]);
    expect((await resumed.settled).status).to.equal('timeout');
    expect(judge.judge(runner()('http')).status).to.equal('pending');
  });

  it('readNow reads every polled reader once; stop closes every reader once', async () => {
    let reads = 0;
    let closed = 0;
    const polled = (): PolledReader => ({
      kind: 'polled',
      backend: 'self',
      asked: 'a counter',
      missingReason: 'not_found',
      read: () => Promise.resolve(void (reads += 1)),
      close: () => Promise.resolve(void (closed += 1)),
    });
    const { judge } = judgeWith(chains({ log: polled(), metric: polled() }));
    judge.judge(runner()('http'));
    await judge.readNow();
    expect(reads).to.equal(2);
    await judge.stop();
    await judge.stop();
    expect(closed).to.equal(2);
  });
});

describe('judge: what a resumed run may be', () => {
  it('its lag counts from its start as the wall clock puts it, and never from the future', async () => {
    const metric = pushed('self');
    const { judge } = judgeWith(chains({ metric: metric.reader }));
    const make = runner();
    const lagOf = async (startedAt: Date) => {
      const run = { ...make('http'), startedAt };
      const resumed = judge.resume({ run, verdicts: {}, progress: {} })!;
      metric.answer(run);
      return (await resumed.settled).verdicts.metric!.lagSeconds!;
    };
    const fiveSecondsAgo = await lagOf(new Date(Date.now() - 5000));
    expect(fiveSecondsAgo).to.be.at.least(5).and.below(6);
    expect(await lagOf(new Date(Date.now() + 3_600_000)), 'a start in the future counts as now').to.equal(0);
  });

  it('none once the judge has stopped, nor twice the same run', async () => {
    const { judge } = judgeWith(chains({ metric: pushed('self').reader }));
    const earlier = { run: runner()('http'), verdicts: {}, progress: {} };
    expect(judge.resume(earlier)).to.not.equal(undefined);
    expect(judge.resume(earlier), 'already waiting').to.equal(undefined);
    await judge.stop();
    expect(judge.resume({ run: runner()('http'), verdicts: {}, progress: {} })).to.equal(undefined);
  });
});
