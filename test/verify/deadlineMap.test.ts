import { expect } from 'chai';
import { createDeadlineMap } from '../../src/verify/deadlineMap';
import { armedTimeouts } from '../support/timers';

describe('deadline map', () => {
  it('expires entries at their deadlines, oldest first, and not those taken before', async () => {
    const expired: string[] = [];
    let allGone: () => void = () => {};
    const gone = new Promise<void>((resolve) => (allGone = resolve));
    const map = createDeadlineMap<string, number>({
      now: () => performance.now(),
      onExpire: (key) => {
        expired.push(key);
        if (map.size === 0) allGone();
      },
    });
    const start = performance.now();
    map.set('a', 1, start + 5);
    map.set('b', 2, start + 10);
    map.set('c', 3, start + 15);
    expect(map.take('b')).to.equal(2);
    expect(map.take('b')).to.equal(undefined);
    await gone;
    expect(expired).to.deep.equal(['a', 'c']);
    expect(performance.now()).to.be.at.least(start + 15);
  });

  it('holds one timer for any number of entries, and none once empty; the timer does not keep the process up', () => {
    const armed = armedTimeouts();
    const timers = () => armed.size;
    const map = createDeadlineMap<number, number>({ now: Date.now, onExpire: () => {} });
    for (let i = 0; i < 1000; i += 1) map.set(i, i, Date.now() + 60_000);
    expect(timers()).to.equal(1);
    expect([...armed].map((t) => t.hasRef())).to.deep.equal([false]);
    for (let i = 0; i < 999; i += 1) map.take(i);
    expect(timers()).to.equal(1);
    map.take(999);
    expect(timers()).to.equal(0);
    map.set(1, 1, Date.now() + 60_000);
    const drained: number[] = [];
    map.drain((key) => drained.push(key));
    expect(drained).to.deep.equal([1]);
    expect([map.size, timers()]).to.deep.equal([0, 0]);
  });
});

describe('deadline map: order', () => {
  it('every due entry expires, whatever the order its deadline was set in (a later one first)', async () => {
    const expired: string[] = [];
    let done: () => void = () => {};
    const gone = new Promise<void>((resolve) => (done = resolve));
    const map = createDeadlineMap<string, number>({
      now: () => performance.now(),
      onExpire: (key) => {
        expired.push(key);
        if (expired.length === 2) done();
      },
    });
    const start = performance.now();
    map.set('far', 1, start + 3_600_000); // a run restored with a deadline an hour away
    map.set('late', 2, start + 20);
    map.set('soon', 3, start + 10);
    await gone;
    expect(expired).to.deep.equal(['soon', 'late']);
    expect([map.size, map.take('far'), map.size]).to.deep.equal([1, 1, 0]);
  });
});
