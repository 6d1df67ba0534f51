import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { METRIC } from '../../src/telemetry/metrics';
import { createMetricVerifier, selfScrapeSource, type CounterSource } from '../../src/verify/metricVerifier';
import { fakePorts, verifyOnce } from '../support/fakes';

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
    const verdicts = Promise.all(runs.map((r) => verifyOnce(verifier, r, Date.now() + 5000)));
    state.value = 3;
    expect((await verdicts).map((v) => v.outcome)).to.deep.equal(['verified', 'verified', 'verified']);
    verifier.stop();
  });

  it('not_found when the counter stays below the seq; query_failed when the source is down', async () => {
    const { state, counter } = source();
    const verifier = createMetricVerifier({ source: counter, pollMs: 10, now: Date.now });
    const run = runner();
    run('schedule');
    expect(await verifyOnce(verifier, run('schedule'), Date.now() + 60)).to.include({ outcome: 'missing', reason: 'not_found' });
    state.down = true;
    expect(await verifyOnce(verifier, run('schedule'), Date.now() + 60)).to.include({ outcome: 'error', reason: 'query_failed', detail: 'connection refused' });
    state.down = false;
    state.value = 10;
    expect(await verifyOnce(verifier, run('schedule'), Date.now() + 1000)).to.include({ outcome: 'verified' });
    verifier.stop();
  });

  it('own /metrics: sums the run counter over its labels on one keep-alive connection, sends the token, names a refusal', async () => {
    const seen: IncomingMessage[] = [];
    const sockets = new Set<unknown>();
    let status = 200;
    const server = createServer((req, res) => {
      seen.push(req);
      sockets.add(req.socket);
      if (req.url === '/hang') return; // never answers: the caller's signal must end the read
      res.writeHead(status).end(`# HELP x\n${METRIC.runs}{trigger="http",outcome="success"} 3\n${METRIC.runs}{trigger="schedule",outcome="failure"} 2\n${METRIC.runs}_created 1\n`);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const own = selfScrapeSource(() => `${base}/metrics`, 's3cret');
      expect(await own.read(AbortSignal.timeout(5000))).to.equal(5);
      expect(await own.read(AbortSignal.timeout(5000))).to.equal(5);
      expect(seen.map((r) => r.headers.authorization)).to.deep.equal(['Bearer s3cret', 'Bearer s3cret']);
      expect(sockets.size, 'one keep-alive connection').to.equal(1);
      status = 401;
      await own.read(AbortSignal.timeout(5000)).then(
        () => expect.fail('a 401 must not read as a counter value'),
        (err: Error) => expect(err.message).to.equal('/metrics answered HTTP 401'),
      );
      const hanging = selfScrapeSource(() => `${base}/hang`);
      await hanging.read(AbortSignal.timeout(50)).then(
        () => expect.fail('a read that never answers must end at its signal'),
        (err: Error) => expect(err.name).to.match(/Abort/),
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
