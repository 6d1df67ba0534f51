import { expect } from 'chai';
import { exporterAckReader } from '../../src/readers/exporterAck';
import type { Hit } from '../../src/readers/types';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import type { SmokeRun } from '../../src/smoke/types';
import { fakePorts, waitingOf } from '../support/fakes';

describe('exporter acknowledgement reader', () => {
  const runs = (n: number) => {
    const run = createSmokeRunner(fakePorts().ports);
    return Array.from({ length: n }, () => run('schedule'));
  };

  it('matches each batch of acknowledgements to the waiting runs as it arrives: found at the ack time, or export_failed with the error', () => {
    const reader = exporterAckReader();
    const [a, b, c, late, other] = runs(5) as [SmokeRun, SmokeRun, SmokeRun, SmokeRun, SmokeRun];
    const hits = new Map<string, Hit>();
    reader.acknowledge([a.traceId], { ok: true, atMs: 1 }); // before anyone waits: nothing to match
    reader.attach?.(waitingOf([a, b, c, late]), (run, hit) => hits.set(run.id, hit));
    reader.acknowledge([a.traceId, b.traceId, other.traceId], { ok: true, atMs: 42 });
    reader.acknowledge([c.traceId], { ok: false, atMs: 43, error: 'Service Unavailable' });
    expect(Object.fromEntries(hits)).to.deep.equal({
      [a.id]: { atMs: 42 },
      [b.id]: { atMs: 42 },
      [c.id]: { reason: 'export_failed', detail: 'Service Unavailable' },
    });
    expect([reader.backend, reader.missingReason, reader.read]).to.deep.equal(['exporter', 'timeout', undefined]);
  });
});
