import { expect } from 'chai';
import { prometheusReader, runsQuery } from '../../src/readers/prometheus';
import { traceApiReader } from '../../src/readers/traceApi';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import type { SmokeRun } from '../../src/smoke/types';
import { METRIC } from '../../src/vocabulary';
import { fakePorts, readOnce } from '../support/fakes';
import { scratchServer } from '../support/scratchServer';

const runs = (n: number) => {
  const run = createSmokeRunner(fakePorts().ports);
  return Array.from({ length: n }, () => run('schedule'));
};

describe('query readers (scratch servers)', () => {
  it("Prometheus: one instant query for this instance's runs; a refusal or garbage fails the read", async () => {
    let answer = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '1'] }] } });
    let status = 200;
    const server = await scratchServer((_req, res) => res.writeHead(status).end(answer));
    try {
      const reader = prometheusReader({ url: `${server.url}/prefix/`, selector: 'instance="h:1"', now: Date.now });
      const batch = runs(2);
      expect([...(await readOnce(reader, batch)).keys()]).to.deep.equal([batch[0]!.id]);
      const url = new URL(server.requests[0]!.url!, server.url);
      expect(url.pathname).to.equal('/prefix/api/v1/query');
      expect(url.searchParams.get('query')).to.equal(runsQuery('instance="h:1"')).and.to.equal(`sum(${METRIC.runs}{instance="h:1"})`);
      answer = JSON.stringify({ status: 'success', data: { result: [] } });
      expect((await readOnce(reader, batch)).size, 'no series yet: nothing counted').to.equal(0);
      answer = 'not json';
      await readOnce(reader, batch).then(() => expect.fail('garbage must fail the read'), (err: Error) => expect(err.message).to.equal('the answer is not JSON'));
      status = 503;
      await readOnce(reader, batch).then(() => expect.fail('a 503 must fail the read'), (err: Error) => expect(err.message).to.match(/^HTTP 503/));
    } finally {
      await server.close();
    }
  });

  it('trace API: each waiting trace looked up by id; 404 is "not stored yet", another error fails the read', async () => {
    const stored = new Set<string>();
    let down = false;
    const server = await scratchServer((req, res) => {
      if (down) return res.writeHead(500).end('boom');
      res.writeHead(stored.has(req.url!.split('/').pop()!) ? 200 : 404).end('{}');
    });
    try {
      const [a, b] = runs(2) as [SmokeRun, SmokeRun];
      const reader = traceApiReader({ url: server.url, now: () => 7 });
      stored.add(a.traceId);
      expect(Object.fromEntries(await readOnce(reader, [a, b]))).to.deep.equal({ [a.id]: { atMs: 7 } });
      expect(server.requests.map((r) => r.url)).to.deep.equal([`/api/traces/${a.traceId}`, `/api/traces/${b.traceId}`]);
      down = true;
      await readOnce(reader, [b]).then(() => expect.fail('a 500 must fail the read'), (err: Error) => expect(err.message).to.equal('HTTP 500: boom'));
    } finally {
      await server.close();
    }
  });
});
