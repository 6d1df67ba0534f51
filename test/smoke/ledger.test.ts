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

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createLedger(0)).to.throw(RangeError);
  });
});
