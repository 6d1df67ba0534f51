import { expect } from 'chai';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { Pending } from '../../src/verify/pending';
import { PendingRuns } from '../../src/verify/pendingRuns';
import { fakePorts } from '../support/fakes';
import { armedTimeouts } from '../support/timers';

const runner = () => createSmokeRunner(fakePorts().ports);

describe('pending runs', () => {
  it('expire at their deadlines, oldest first, and not those taken before', async () => {
    const expired: string[] = [];
    let allGone: () => void = () => {};
    const gone = new Promise<void>((resolve) => (allGone = resolve));
    const runs = new PendingRuns({
      timeoutMs: 5,
      mono: () => performance.now(),
      onExpire: (run) => {
        expired.push(run.id);
        if (runs.size === 0) allGone();
      },
    });
    const make = runner();
    const start = performance.now();
    const [a, b, c] = [0, 5, 10].map((late) => new Pending(make('http'), start + late)) as [Pending, Pending, Pending];
    for (const run of [a, b, c]) runs.add(run);
    runs.delete(b);
    expect([runs.get(a.traceId), runs.get(b.traceId)]).to.deep.equal([a, undefined]);
    await gone;
    expect(expired).to.deep.equal([a.id, c.id]);
    expect(performance.now()).to.be.at.least(start + 15);
  });

  it('a resumed run waits from when it was resumed: its deadline follows the runs judged before it', async () => {
    const expired: string[] = [];
    let done: () => void = () => {};
    const gone = new Promise<void>((resolve) => (done = resolve));
    const runs = new PendingRuns({
      timeoutMs: 10,
      mono: () => performance.now(),
      onExpire: (run) => {
        expired.push(run.id);
        if (expired.length === 2) done();
      },
    });
    const make = runner();
    const now = performance.now();
    // Started an hour before, on the monotonic clock, by a process whose run it was: due a timeout from now.
    const resumed = new Pending(make('http'), now - 3_600_000, now);
    const live = new Pending(make('http'), now + 1);
    runs.add(resumed);
    runs.add(live);
    await gone;
    expect(expired).to.deep.equal([resumed.id, live.id]);
  });

  it('holds one timer for any number of runs, and none once empty; the timer does not keep the process up', () => {
    const armed = armedTimeouts();
    const runs = new PendingRuns({ timeoutMs: 60_000, mono: () => performance.now(), onExpire: () => undefined });
    const make = runner();
    const all = Array.from({ length: 1000 }, () => new Pending(make('http'), performance.now()));
    for (const run of all) runs.add(run);
    expect(armed.size).to.equal(1);
    expect([...armed].map((t) => t.hasRef())).to.deep.equal([false]);
    for (const run of all.slice(0, 999)) runs.delete(run);
    expect([runs.size, armed.size]).to.deep.equal([1, 1]);
    runs.delete(all[999]!);
    expect(armed.size).to.equal(0);
    runs.add(all[0]!);
    const drained: string[] = [];
    runs.drain((run) => drained.push(run.id));
    expect(drained).to.deep.equal([all[0]!.id]);
    expect([runs.size, armed.size]).to.deep.equal([0, 0]);
  });
});
