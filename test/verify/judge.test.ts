import { expect } from 'chai';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { failed, skipped, type SmokeRun } from '../../src/smoke/types';
import { createJudge, type Verifiers } from '../../src/verify/judge';
import { errored, missing, type Finding, type SignalVerifier, type Verdict } from '../../src/verify/types';
import { fakePorts } from '../support/fakes';
import { armedTimeouts } from '../support/timers';

const found = (lagSeconds: number): Finding => ({ outcome: 'verified', reason: 'none', lagSeconds, backend: 'file' });

/** A verifier that answers each run through `answer` (at once, later, or never), and says `onExpire` at the deadline. */
function stub(
  answer: (run: SmokeRun, done: (f: Finding) => void) => void,
  onExpire: Finding = missing('not_found', 'file'),
) {
  const expired: string[] = [];
  let stopped = false;
  const verifier: SignalVerifier = {
    verify: answer,
    expire: (run) => (expired.push(run.id), onExpire),
    stop: async () => void (stopped = true),
    progress: () => undefined,
    readNow: () => Promise.resolve(),
    waiting: 0,
  };
  return { verifier, expired, stopped: () => stopped };
}
const fixed = (finding: Finding) => stub((_run, done) => void setImmediate(() => done(finding))).verifier;
const never = () => stub(() => {}).verifier;
const all = (v: Partial<Verifiers>): Verifiers => ({ log: 'disabled', trace: 'disabled', metric: 'disabled', ...v });

function judgeWith(verifiers: Verifiers, timeoutMs = 1000, capacity: number | { other: number; api: number } = 1000) {
  const seen: Verdict[] = [];
  const rooms = typeof capacity === 'number' ? { other: capacity, api: capacity } : capacity;
  const judge = createJudge({ verifiers, timeoutMs, capacity: rooms, now: Date.now, onVerdict: (v) => seen.push(v) });
  return { judge, seen };
}

describe('judge', () => {
  it('verified only when every signal is verified', async () => {
    const { judge, seen } = judgeWith({ log: fixed(found(0.01)), trace: fixed(found(0.02)), metric: fixed(found(1)) });
    const report = judge.judge(createSmokeRunner(fakePorts().ports)('schedule'));
    expect(report.status).to.equal('pending');
    expect((await report.settled).status).to.equal('verified');
    expect(seen.map((v) => v.signal).sort()).to.deep.equal(['log', 'metric', 'trace']);
  });

  it('failed when a signal errors, timeout when one is missing; says which', async () => {
    const a = judgeWith({
      log: fixed(found(0.01)),
      trace: fixed(errored('export_failed', 'exporter')),
      metric: fixed(missing('not_found', 'self')),
    });
    const report = await a.judge.judge(createSmokeRunner(fakePorts().ports)('http')).settled;
    expect(report.status).to.equal('failed');
    expect(report.verdicts.trace).to.include({ outcome: 'error', reason: 'export_failed', backend: 'exporter' });
    const b = judgeWith({
      log: fixed(found(0.01)),
      trace: fixed(found(0.01)),
      metric: fixed(missing('not_found', 'self')),
    });
    expect((await b.judge.judge(createSmokeRunner(fakePorts().ports)('http')).settled).status).to.equal('timeout');
  });

  it('takes a signal that was not emitted from its emit status, without reading back', async () => {
    const fake = fakePorts({ sampled: false, log: () => failed('write_failed') });
    const { judge } = judgeWith({ log: never(), trace: never(), metric: fixed(found(0.5)) });
    const report = await judge.judge(createSmokeRunner(fake.ports)('http')).settled;
    expect(report.verdicts.log).to.include({ outcome: 'error', reason: 'write_failed' });
    expect(report.verdicts.trace).to.include({ outcome: 'skipped', reason: 'sampled_out' });
    expect(report.status).to.equal('failed');
    expect(skipped('disabled').status).to.equal('skipped');
  });

  it('a disabled signal is skipped; at the deadline the verifier says why its signal was not found', async () => {
    const late = stub(() => {}, errored('query_failed', 'prometheus', 'HTTP 503'));
    const { judge } = judgeWith(all({ metric: late.verifier }), 10);
    const report = await judge.judge(createSmokeRunner(fakePorts().ports)('http')).settled;
    expect(report.verdicts.log).to.include({ outcome: 'skipped', reason: 'disabled' });
    expect(report.verdicts.metric).to.include({
      outcome: 'error',
      reason: 'query_failed',
      backend: 'prometheus',
      detail: 'HTTP 503',
    });
    expect(late.expired).to.deep.equal([report.run.id]);
  });

  it('stop settles pending runs as unverified without reporting them, stops the verifiers, and later runs are not read back', async () => {
    const waiting = stub(() => {});
    const { judge, seen } = judgeWith(all({ metric: waiting.verifier }), 60_000);
    const runner = createSmokeRunner(fakePorts().ports);
    const pending = judge.judge(runner('http'));
    expect(judge.pending).to.equal(1);
    await judge.stop();
    expect([judge.pending, waiting.stopped(), waiting.expired.length]).to.deep.equal([0, true, 0]);
    expect((await pending.settled).status).to.equal('unverified');
    expect(seen.filter((v) => v.signal === 'metric')).to.deep.equal([]);
    expect(judge.judge(runner('http')).status).to.equal('unverified');
  });

  it('counts runs awaiting verdicts, with one timer for all of them, and takes the first answer only', async () => {
    const armed = armedTimeouts();
    const timers = () => armed.size;
    const before = timers();
    const answers: ((f: Finding) => void)[] = [];
    const { judge, seen } = judgeWith(all({ metric: stub((_run, done) => void answers.push(done)).verifier }), 60_000);
    const runner = createSmokeRunner(fakePorts().ports);
    const reports = Array.from({ length: 100 }, () => judge.judge(runner('http')));
    expect([judge.pending, timers() - before]).to.deep.equal([100, 1]);
    for (const answer of answers) answer(found(0.1));
    answers[0]?.(missing('timeout'));
    expect([judge.pending, timers() - before]).to.deep.equal([0, 0]);
    expect(reports.map((r) => r.status)).to.deep.equal(Array(100).fill('verified'));
    expect(seen.filter((v) => v.signal === 'metric')).to.have.length(100);
    expect(await reports[0]?.settled).to.equal(reports[0]);
  });

  it('a snapshot of pending runs resumes in another judge: earlier verdicts kept, each verifier told what its hops had found', async () => {
    const progress: (readonly (number | undefined)[] | undefined)[] = [];
    const waiting = stub(() => {});
    waiting.verifier.progress = () => [123, undefined];
    const first = judgeWith(all({ log: fixed(found(0.01)), metric: waiting.verifier }), 60_000);
    const run = createSmokeRunner(fakePorts().ports)('api', { id: 'gate-7' });
    const report = first.judge.judge(run);
    await new Promise((r) => setImmediate(r)); // the log verdict lands
    const [saved] = first.judge.snapshot(10);
    expect(saved!.verdicts.log).to.include({ outcome: 'verified' });
    expect(saved!.progress).to.deep.equal({ metric: [123, undefined] });
    expect(report.status).to.equal('pending');

    let answer: ((f: Finding) => void) | undefined;
    const resumed = stub((_run, done) => void (answer = done));
    const verify = resumed.verifier.verify;
    resumed.verifier.verify = (r, done, foundAt) => (progress.push(foundAt), verify(r, done));
    const second = judgeWith(all({ log: fixed(found(0.5)), metric: resumed.verifier }), 60_000);
    const again = second.judge.resume(saved!);
    expect(progress).to.deep.equal([[123, undefined]]);
    answer!(found(2));
    expect((await again.settled).status).to.equal('verified');
    expect(
      second.seen.map((v) => v.signal),
      'the log verdict was counted before the restart',
    ).to.deep.equal(['metric']);
    expect(second.judge.snapshot(10)).to.deep.equal([]);
  });

  it('beyond its capacity, leaves a run unverified and counts each signal as skipped: over_capacity', () => {
    const answers: ((f: Finding) => void)[] = [];
    const { judge, seen } = judgeWith(
      all({ metric: stub((_run, done) => void answers.push(done)).verifier }),
      60_000,
      2,
    );
    const runner = createSmokeRunner(fakePorts().ports);
    const [first, second, third] = [
      judge.judge(runner('http')),
      judge.judge(runner('http')),
      judge.judge(runner('http')),
    ];
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
    answers[0]?.(found(0.1));
    expect([first.status, judge.judge(runner('http')).status]).to.deep.equal(['verified', 'pending']);
  });

  it('a verdict from the emit status: skipped as sampled out or disabled; an emit error as write_failed, dropped, or emit_failed', async () => {
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
      const { judge } = judgeWith(all({ log: never() }));
      const report = judge.judge(createSmokeRunner(fakePorts({ log: () => emit }).ports)('http'));
      return [report.verdicts.log?.outcome, report.verdicts.log?.reason];
    });
    expect(seen).to.deep.equal(cases.map(([, outcome, reason]) => [outcome, reason]));
  });

  it('POST runs have a room of their own: a full room of GET runs does not turn a gate away', () => {
    const { judge } = judgeWith(all({ metric: never() }), 60_000, { other: 1, api: 1 });
    const runner = createSmokeRunner(fakePorts().ports);
    const statuses = [
      judge.judge(runner('http')),
      judge.judge(runner('schedule')),
      judge.judge(runner('api')),
      judge.judge(runner('api')),
    ].map((r) => r.status);
    expect(statuses).to.deep.equal(['pending', 'unverified', 'pending', 'unverified']);
    expect(judge.judge(runner('http')).verdicts.log).to.include({
      reason: 'over_capacity',
      detail: 'too many runs awaiting verification',
    });
  });

  it('at the deadline, only the verifiers of signals still without a verdict are asked why', async () => {
    const answered = stub((_run, done) => done(found(0.1)));
    const silent = stub(() => {});
    const { judge } = judgeWith(all({ log: answered.verifier, metric: silent.verifier }), 10);
    const report = await judge.judge(createSmokeRunner(fakePorts().ports)('http')).settled;
    expect([answered.expired, silent.expired]).to.deep.equal([[], [report.run.id]]);
  });

  it('a snapshot holds the newest pending runs, and progress only for signals still read back', () => {
    const waiting = stub(() => {});
    waiting.verifier.progress = () => [7];
    const { judge } = judgeWith(
      all({ log: stub((_run, done) => done(found(0.1))).verifier, metric: waiting.verifier }),
      60_000,
    );
    const runner = createSmokeRunner(fakePorts().ports);
    const runs = [judge.judge(runner('http')), judge.judge(runner('http')), judge.judge(runner('http'))].map(
      (r) => r.run.id,
    );
    const snapshot = judge.snapshot(2);
    expect(snapshot.map((p) => p.run.id)).to.deep.equal(runs.slice(1));
    expect(snapshot[0]!.progress).to.deep.equal({ metric: [7] });
  });

  it('a resumed run waits a full timeout from now, takes room, and a signal disabled since is skipped', async () => {
    const { judge, seen } = judgeWith(all({ metric: never() }), 60_000, 1);
    const run = createSmokeRunner(fakePorts().ports)('http');
    const longAgo = { ...run, startedAt: new Date(Date.now() - 3_600_000) };
    const resumed = judge.resume({ run: longAgo, verdicts: {}, progress: {} });
    await new Promise((resolve) => setImmediate(resolve));
    expect([resumed.status, judge.pending]).to.deep.equal(['pending', 1]);
    expect(resumed.verdicts.log).to.include({ outcome: 'skipped', reason: 'disabled' });
    expect(seen.map((v) => `${v.signal} ${v.reason}`)).to.deep.equal(['log disabled', 'trace disabled']);
    expect(judge.judge(createSmokeRunner(fakePorts().ports)('schedule')).status, 'the room is taken').to.equal(
      'unverified',
    );
  });

  it('a resumed run whose verdicts had all landed settles at once and leaves its room free', async () => {
    const { judge } = judgeWith(all({ metric: never() }), 60_000, 1);
    const run = createSmokeRunner(fakePorts().ports)('http');
    const at = new Date();
    const verdicts = {
      log: { signal: 'log', outcome: 'verified', reason: 'none', at },
      trace: { signal: 'trace', outcome: 'verified', reason: 'none', at },
      metric: { signal: 'metric', outcome: 'missing', reason: 'timeout', at },
    } as const;
    const resumed = judge.resume({ run, verdicts, progress: {} });
    expect([resumed.status, judge.pending]).to.deep.equal(['timeout', 0]);
    expect((await resumed.settled).status).to.equal('timeout');
    expect(judge.judge(createSmokeRunner(fakePorts().ports)('http')).status).to.equal('pending');
  });

  it('readNow asks every verifier in use to read once; stop stops each verifier once, and a run after it is not read back', async () => {
    let reads = 0;
    const verifiers = [stub(() => {}), stub(() => {})];
    for (const v of verifiers) v.verifier.readNow = () => Promise.resolve(void (reads += 1));
    let stops = 0;
    for (const v of verifiers) v.verifier.stop = () => Promise.resolve(void (stops += 1));
    const { judge } = judgeWith(all({ log: verifiers[0]!.verifier, metric: verifiers[1]!.verifier }));
    await judge.readNow();
    expect(reads).to.equal(2);
    await judge.stop();
    await judge.stop();
    expect(stops).to.equal(2);
    expect(judge.judge(createSmokeRunner(fakePorts().ports)('http')).verdicts.trace).to.include({
      reason: 'disabled',
      detail: 'the daemon is shutting down',
    });
  });
});
