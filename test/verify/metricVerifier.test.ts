import { expect } from 'chai';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { createMetricVerifier, type CounterSource } from '../../src/verify/metricVerifier';
import { fakePorts } from '../support/fakes';

/** An in-memory counter store standing in for Prometheus. */
function source() {
  const state = { value: 0, down: false, reads: 0 };
  const counter: CounterSource = {
    description: 'in-memory',
    read: () => {
      state.reads += 1;
      return state.down ? Promise.reject(new Error('connection refused')) : Promise.resolve(state.value);
    },
  };
  return { state, counter };
}

describe('metric verifier', () => {
  const runner = () => createSmokeRunner(fakePorts().ports);

  it('verifies every run whose seq the counter has reached, with one read per poll', async () => {
    const { state, counter } = source();
    const verifier = createMetricVerifier({ source: counter, pollMs: 10, now: Date.now });
    const run = runner();
    const runs = [run('schedule'), run('schedule'), run('schedule')];
    const verdicts = Promise.all(runs.map((r) => verifier.verify(r, Date.now() + 5000)));
    state.value = 3;
    expect((await verdicts).map((v) => v.outcome)).to.deep.equal(['verified', 'verified', 'verified']);
    verifier.stop();
  });

  it('not_found when the counter stays below the seq; query_failed when the source is down', async () => {
    const { state, counter } = source();
    const verifier = createMetricVerifier({ source: counter, pollMs: 10, now: Date.now });
    const run = runner();
    run('schedule');
    expect(await verifier.verify(run('schedule'), Date.now() + 60)).to.include({ outcome: 'missing', reason: 'not_found' });
    state.down = true;
    expect(await verifier.verify(run('schedule'), Date.now() + 60)).to.include({ outcome: 'error', reason: 'query_failed', detail: 'connection refused' });
    state.down = false;
    state.value = 10;
    expect(await verifier.verify(run('schedule'), Date.now() + 1000)).to.include({ outcome: 'verified' });
    verifier.stop();
  });
});
