import { expect } from 'chai';
import { classify, type CpuProfile } from '../../bench/stages';

const frame = (functionName: string, url = '') => ({ functionName, url });
const DIST = 'file:///repo/dist/src';
const MODULES = 'file:///repo/node_modules';

/**
 * A small V8 CPU profile: a Koa handler calling the run, which calls a built-in; a verdict
 * asking prom-client for a metric; Node's HTTP parser; GC; idle. Sample i weighs timeDeltas[i + 1] µs.
 */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5, 9] },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('(garbage collector)') },
    { id: 4, callFrame: frame('handle', `${MODULES}/koa/lib/application.js`), children: [6] },
    { id: 5, callFrame: frame('parserOnHeadersComplete', 'node:_http_common') },
    { id: 6, callFrame: frame('runSmokeTest', `${DIST}/smoke/runSmokeTest.js`), children: [7] },
    { id: 7, callFrame: frame('stringify') },
    { id: 8, callFrame: frame('inc', `${MODULES}/prom-client/lib/counter.js`) },
    { id: 9, callFrame: frame('onVerdict', `${DIST}/verify/verdicts.js`), children: [8] },
  ],
  startTime: 0,
  samples: [2, 3, 7, 6, 5, 8, 4, 2],
  timeDeltas: [10, 100, 200, 300, 400, 500, 600, 700],
};

describe('bench/stages: CPU profile samples by stage', () => {
  it('each sample counts for the first library or module of ours from the innermost frame out; idle counts for none', () => {
    expect(Object.fromEntries(classify(PROFILE, 0, 10_000))).to.deep.equal({
      GC: 200,
      'the run (ours)': 300 + 400, // the built-in counts for its caller
      'Node core (HTTP parser, sockets, timers)': 500,
      'metrics: judging': 600, // prom-client counts for the stage that asked for the metric
      'Koa and routing (library)': 700,
    });
  });

  it('only the samples taken inside the window count', () => {
    // Samples at 310, 610 and 1010 µs.
    expect(Object.fromEntries(classify(PROFILE, 300, 1100))).to.deep.equal({
      'the run (ours)': 700,
      'Node core (HTTP parser, sockets, timers)': 500,
    });
  });
});
