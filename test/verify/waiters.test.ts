import { expect } from 'chai';
import { createWaiters, type Waiters } from '../../src/verify/waiters';

const waitFor = <V>(w: Waiters<V>, key: string, deadlineMs: number) => new Promise<V | undefined>((done) => w.wait(key, deadlineMs, done));

describe('waiters', () => {
  it('answers a waiter when its key arrives, and a late waiter from memory', async () => {
    const w = createWaiters<number>({ remember: 10, now: Date.now });
    const pending = waitFor(w, 'a', Date.now() + 10_000);
    w.resolve('a', 1);
    expect(await pending).to.equal(1);
    w.resolve('b', 2);
    expect(await waitFor(w, 'b', Date.now() + 10_000)).to.equal(2);
    expect(w.pending).to.equal(0);
  });

  it('answers undefined at the deadline and on stop, once', async () => {
    const w = createWaiters<number>({ remember: 10, now: Date.now });
    expect(await waitFor(w, 'late', Date.now() + 5)).to.equal(undefined);
    const answers: (number | undefined)[] = [];
    w.wait('never', Date.now() + 60_000, (v) => answers.push(v));
    w.stop();
    w.resolve('never', 1); // after stop: remembered, not delivered to the settled waiter
    expect(answers).to.deep.equal([undefined]);
    expect(w.pending).to.equal(0);
  });

  it('remembers a bounded number of unclaimed keys', async () => {
    const w = createWaiters<number>({ remember: 2, now: Date.now });
    w.resolve('1', 1);
    w.resolve('2', 2);
    w.resolve('3', 3);
    expect(await waitFor(w, '1', Date.now())).to.equal(undefined);
    expect(await waitFor(w, '3', Date.now())).to.equal(3);
  });
});
