import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { createTraceVerifier, type SpanAck } from '../../src/verify/traceVerifier';
import { createWaiters } from '../../src/verify/waiters';
import { fakePorts, verifyOnce } from '../support/fakes';

describe('trace verifier', () => {
  const run = () => createSmokeRunner(fakePorts().ports)('schedule');
  const acks = () => createWaiters<SpanAck>({ remember: 10, now: Date.now });

  it('verified on the exporter acknowledgement; export_failed with the error; timeout without an answer', async () => {
    const a = acks();
    const verifier = createTraceVerifier({ acks: a, queryUrl: '', pollMs: 10, now: Date.now });
    const ok = run();
    a.resolve(ok.traceId, { ok: true, atMs: Date.now() });
    expect(await verifyOnce(verifier, ok, Date.now() + 1000)).to.include({ outcome: 'verified' });
    const bad = run();
    a.resolve(bad.traceId, { ok: false, atMs: Date.now(), error: 'Service Unavailable' });
    expect(await verifyOnce(verifier, bad, Date.now() + 1000)).to.include({ outcome: 'error', reason: 'export_failed', detail: 'Service Unavailable' });
    expect(await verifyOnce(verifier, run(), Date.now() + 20)).to.include({ outcome: 'missing', reason: 'timeout' });
  });

  it('with queryUrl, also finds the trace by id in a Tempo/Jaeger-style API (scratch server)', async () => {
    let stored = false;
    const paths: string[] = [];
    const api = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(stored ? 200 : 404).end('{}');
      stored = true; // found on the second look
    }).listen(0, '127.0.0.1');
    await once(api, 'listening');
    const queryUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    try {
      const a = acks();
      const verifier = createTraceVerifier({ acks: a, queryUrl, pollMs: 10, now: Date.now });
      const r = run();
      a.resolve(r.traceId, { ok: true, atMs: Date.now() });
      expect(await verifyOnce(verifier, r, Date.now() + 2000)).to.include({ outcome: 'verified' });
      expect(paths).to.deep.equal([`/api/traces/${r.traceId}`, `/api/traces/${r.traceId}`]);
    } finally {
      api.close();
    }
  });

  it('with queryUrl down: query_failed', async () => {
    const a = acks();
    const verifier = createTraceVerifier({ acks: a, queryUrl: 'http://127.0.0.1:9', pollMs: 10, now: Date.now });
    const r = run();
    a.resolve(r.traceId, { ok: true, atMs: Date.now() });
    expect(await verifyOnce(verifier, r, Date.now() + 100)).to.include({ outcome: 'error', reason: 'query_failed' });
  });
});
