import { once, EventEmitter } from 'node:events';
import { expect } from 'chai';
import { createScheduler } from '../../src/smoke/scheduler';

describe('scheduler', () => {
  it('ticks every interval, pauses while suspended, resumes, and stops for good', async () => {
    const ticks = new EventEmitter();
    let count = 0;
    const s = createScheduler({ intervalMs: 5, tick: () => ticks.emit('tick', ++count) });
    expect(s.state).to.equal('running');
    await once(ticks, 'tick');
    s.suspend();
    expect(s.state).to.equal('suspended');
    const atSuspend = count;
    s.resume();
    await once(ticks, 'tick');
    expect(count).to.be.greaterThan(atSuspend);
    s.stop();
    expect(s.state).to.equal('stopped');
    s.resume();
    expect(s.state).to.equal('stopped');
  });

  it('tells when the next run is due while running, and nothing otherwise', async () => {
    let clock = 1_000;
    const ticks = new EventEmitter();
    const s = createScheduler({ intervalMs: 5, tick: () => ticks.emit('tick'), now: () => clock });
    expect(s.intervalMs).to.equal(5);
    expect(s.nextRunAtMs).to.equal(1_005);
    clock = 2_000;
    await once(ticks, 'tick');
    expect(s.nextRunAtMs).to.equal(2_005);
    s.suspend();
    expect(s.nextRunAtMs).to.equal(undefined);
    clock = 3_000;
    s.resume();
    expect(s.nextRunAtMs).to.equal(3_005);
    s.stop();
    expect(s.nextRunAtMs).to.equal(undefined);
  });

  it('interval 0 disables the schedule', () => {
    const s = createScheduler({ intervalMs: 0, tick: () => expect.fail('no tick') });
    expect(s.state).to.equal('disabled');
    s.resume();
    expect(s.state).to.equal('disabled');
  });
});
