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

  it('interval 0 disables the schedule', () => {
    const s = createScheduler({ intervalMs: 0, tick: () => expect.fail('no tick') });
    expect(s.state).to.equal('disabled');
    s.resume();
    expect(s.state).to.equal('disabled');
  });
});
