import { expect } from 'chai';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { failed, skipped } from '../../src/smoke/types';
import { createJudge } from '../../src/verify/judge';
import { errored, missing, verified, type Finding, type SignalVerifier, type Verdict } from '../../src/verify/types';
import { fakePorts } from '../support/fakes';

const fixed = (finding: Finding): SignalVerifier => ({ verify: (_run, _deadline, done) => void setImmediate(() => done(finding)), stop() {} });
const never: SignalVerifier = { verify() {}, stop() {} };

function judgeWith(verifiers: Parameters<typeof createJudge>[0]['verifiers'], timeoutMs = 1000, capacity = 1000) {
  const seen: Verdict[] = [];
  const judge = createJudge({ verifiers, timeoutMs, capacity, now: Date.now, onVerdict: (v) => seen.push(v) });
  return { judge, seen };
}

describe('judge', () => {
  it('verified only when every signal is verified', async () => {
    const { judge, seen } = judgeWith({ log: fixed(verified(0.01)), trace: fixed(verified(0.02)), metric: fixed(verified(1)) });
    const report = judge.judge(createSmokeRunner(fakePorts().ports)('schedule'));
    expect(report.status).to.equal('pending');
    expect((await report.settled).status).to.equal('verified');
    expect(seen.map((v) => v.signal).sort()).to.deep.equal(['log', 'metric', 'trace']);
  });

  it('failed when a signal errors, timeout when one is missing; says which', async () => {
    const a = judgeWith({ log: fixed(verified(0.01)), trace: fixed(errored('export_failed')), metric: fixed(missing('not_found')) });
    const report = await a.judge.judge(createSmokeRunner(fakePorts().ports)('http')).settled;
    expect(report.status).to.equal('failed');
    expect(report.verdicts.trace).to.include({ outcome: 'error', reason: 'export_failed' });
    const b = judgeWith({ log: fixed(verified(0.01)), trace: fixed(verified(0.01)), metric: fixed(missing('not_found')) });
    expect((await b.judge.judge(createSmokeRunner(fakePorts().ports)('http')).settled).status).to.equal('timeout');
  });

  it('takes a signal that was not emitted from its emit status, without reading back', async () => {
    const fake = fakePorts({ sampled: false, log: () => failed('write_failed') });
    const { judge } = judgeWith({ log: never, trace: never, metric: fixed(verified(0.5)) });
    const report = await judge.judge(createSmokeRunner(fake.ports)('http')).settled;
    expect(report.verdicts.log).to.include({ outcome: 'error', reason: 'write_failed' });
    expect(report.verdicts.trace).to.include({ outcome: 'skipped', reason: 'sampled_out' });
    expect(report.status).to.equal('failed');
    expect(skipped('disabled').status).to.equal('skipped');
  });

  it('a disabled signal is skipped; a verifier that never answers is cut off as timeout', async () => {
    const { judge } = judgeWith({ metric: never }, 10);
    const report = await judge.judge(createSmokeRunner(fakePorts().ports)('http')).settled;
    expect(report.verdicts.log).to.include({ outcome: 'skipped', reason: 'disabled' });
    expect(report.verdicts.metric).to.include({ outcome: 'missing', reason: 'timeout' });
  });

  it('stop settles pending runs without reporting them, and later runs are not read back', async () => {
    let release: (f: Finding) => void = () => {};
    const waiting: SignalVerifier = {
      verify: (_run, _deadline, done) => (release = done),
      stop: () => setImmediate(() => release(missing('timeout'))),
    };
    const { judge, seen } = judgeWith({ metric: waiting }, 60_000);
    const runner = createSmokeRunner(fakePorts().ports);
    const pending = judge.judge(runner('http'));
    expect(judge.pending).to.equal(1);
    await judge.stop();
    expect(judge.pending).to.equal(0);
    expect(pending.status).to.equal('timeout');
    expect((await pending.settled).verdicts.metric).to.include({ outcome: 'missing' });
    expect(seen.filter((v) => v.signal === 'metric')).to.deep.equal([]);
    expect(judge.judge(runner('http')).status).to.equal('unverified');
  });

  it('counts runs awaiting verdicts, with one timer for all of them, and takes the first answer only', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const answers: ((f: Finding) => void)[] = [];
    const { judge, seen } = judgeWith({ metric: { verify: (_run, _deadline, done) => void answers.push(done), stop() {} } }, 60_000);
    const runner = createSmokeRunner(fakePorts().ports);
    const reports = Array.from({ length: 100 }, () => judge.judge(runner('http')));
    expect([judge.pending, timers() - before]).to.deep.equal([100, 1]);
    for (const answer of answers) answer(verified(0.1));
    answers[0]?.(missing('timeout'));
    expect([judge.pending, timers() - before]).to.deep.equal([0, 0]);
    expect(reports.map((r) => r.status)).to.deep.equal(Array(100).fill('verified'));
    expect(seen.filter((v) => v.signal === 'metric')).to.have.length(100);
    expect(await reports[0]?.settled).to.equal(reports[0]);
  });

  it('beyond its capacity, leaves a run unverified and counts each signal as skipped: over_capacity', () => {
    const answers: ((f: Finding) => void)[] = [];
    const { judge, seen } = judgeWith({ metric: { verify: (_run, _deadline, done) => void answers.push(done), stop() {} } }, 60_000, 2);
    const runner = createSmokeRunner(fakePorts().ports);
    const [first, second, third] = [judge.judge(runner('http')), judge.judge(runner('http')), judge.judge(runner('http'))];
    expect([first.status, second.status, third.status, judge.pending]).to.deep.equal(['pending', 'pending', 'unverified', 2]);
    expect(Object.values(third.verdicts).map((v) => [v.signal, v.outcome, v.reason])).to.deep.equal([
      ['log', 'skipped', 'over_capacity'],
      ['trace', 'skipped', 'over_capacity'],
      ['metric', 'skipped', 'over_capacity'],
    ]);
    expect(seen.filter((v) => v.reason === 'over_capacity')).to.have.length(3);
    answers[0]?.(verified(0.1));
    expect([first.status, judge.judge(runner('http')).status]).to.deep.equal(['verified', 'pending']);
  });
});
