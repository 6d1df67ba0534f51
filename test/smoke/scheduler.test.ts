import { once, EventEmitter } from 'node:events';
import { expect } from 'chai';
import { createScheduler } from '../../src/smoke/scheduler';
import { manualIntervals } from '../support/timers';

describe('scheduler', () => {
  it('ticks every interval; suspended, it ticks no more however long it waits; resumed, it ticks again; stopped, for good', () => {
    const clock = manualIntervals();
    let ticks = 0;
    const s = createScheduler({ intervalMs: 1000, tick: () => (ticks += 1) });
    expect(s.state).to.equal('running');
    clock.advance(3000);
    expect(ticks, 'a tick per interval').to.equal(3);

    // README: POST /-/suspend pauses the schedule.
    s.suspend();
    expect(s.state).to.equal('suspended');
    clock.advance(3_600_000);
    expect(ticks, 'ticks while suspended').to.equal(3);

    // ... and POST /-/resume resumes it: the next tick an interval later.
    s.resume();
    expect(s.state).to.equal('running');
    clock.advance(999);
    expect(ticks).to.equal(3);
    clock.advance(1);
    expect(ticks, 'a tick one interval after resuming').to.equal(4);
    s.suspend();
    s.resume();
    expect(clock.armed, 'one interval, however often it was resumed').to.equal(1);

    s.stop();
    expect(s.state).to.equal('stopped');
    s.resume();
    expect(s.state).to.equal('stopped');
    clock.advance(3_600_000);
    expect(ticks, 'ticks after stop').to.equal(4);
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
