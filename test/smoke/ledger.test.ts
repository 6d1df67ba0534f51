import { expect } from 'chai';
import { createLedger } from '../../src/smoke/ledger';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { fakePorts } from '../support/fakes';

describe('ledger', () => {
  it('keeps only the most recent runs, and the latest', () => {
    const run = createSmokeRunner(fakePorts().ports);
    const ledger = createLedger<ReturnType<typeof run>>(3);
    const runs = Array.from({ length: 5 }, () => run('schedule'));
    for (const r of runs) ledger.add(r.id, r);
    expect(ledger.size).to.equal(3);
    expect(ledger.get(runs[0]!.id)).to.equal(undefined);
    expect(ledger.get(runs[4]!.id)).to.equal(runs[4]);
    expect(ledger.latest()).to.equal(runs[4]);
    expect(ledger.has(runs[1]!.id)).to.equal(false);
    expect(ledger.has(runs[2]!.id)).to.equal(true);
    expect([...ledger.values()]).to.deep.equal(runs.slice(2));
  });

  it('an id added again becomes the newest: the oldest other entry is the one evicted', () => {
    const ledger = createLedger<number>(3);
    for (const [id, value] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['a', 4],
      ['d', 5],
    ] as const)
      ledger.add(id, value);
    expect([...ledger.values()]).to.deep.equal([3, 4, 5]);
    expect(ledger.has('b')).to.equal(false);
  });

  it('refuses a capacity that is not a positive integer, naming it; 1 is enough', () => {
    expect(() => createLedger(0)).to.throw(RangeError, 'ledger capacity must be a positive integer, got 0');
    expect(() => createLedger(2.5)).to.throw(RangeError, 'got 2.5');
    const one = createLedger<number>(1);
    one.add('a', 1);
    one.add('b', 2);
    expect([...one.values()]).to.deep.equal([2]);
  });
});
