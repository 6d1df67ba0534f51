import { expect } from 'chai';
import { createWaiters } from '../../src/verify/waiters';

describe('waiters', () => {
  it('resolves a waiter when its key arrives, and a late waiter from memory', async () => {
    const w = createWaiters<number>({ remember: 10, now: Date.now });
    const pending = w.wait('a', Date.now() + 10_000);
    w.resolve('a', 1);
    expect(await pending).to.equal(1);
    w.resolve('b', 2);
    expect(await w.wait('b', Date.now() + 10_000)).to.equal(2);
    expect(w.pending).to.equal(0);
  });

  it('resolves undefined at the deadline and on stop', async () => {
    const w = createWaiters<number>({ remember: 10, now: Date.now });
    expect(await w.wait('late', Date.now() + 5)).to.equal(undefined);
    const pending = w.wait('never', Date.now() + 60_000);
    w.stop();
    expect(await pending).to.equal(undefined);
  });

  it('remembers a bounded number of unclaimed keys', async () => {
    const w = createWaiters<number>({ remember: 2, now: Date.now });
    w.resolve('1', 1);
    w.resolve('2', 2);
    w.resolve('3', 3);
    expect(await w.wait('1', Date.now())).to.equal(undefined);
    expect(await w.wait('3', Date.now())).to.equal(3);
  });
});
