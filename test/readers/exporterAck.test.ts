import { expect } from 'chai';
import { exporterAckReader } from '../../src/readers/exporterAck';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import type { SmokeRun } from '../../src/smoke/types';
import { fakePorts, waitingOf, type Hit } from '../support/fakes';

describe('exporter acknowledgement reader', () => {
  const runs = (n: number) => {
    const run = createSmokeRunner(fakePorts().ports);
    return Array.from({ length: n }, () => run('schedule'));
  };

  it('matches each batch of acknowledgements to the waiting runs as it arrives: found, or export_failed with the error', () => {
    const reader = exporterAckReader('exporter', 'otlp http/protobuf http://collector:4318/v1/traces');
    const [a, b, c, late, other] = runs(5) as [SmokeRun, SmokeRun, SmokeRun, SmokeRun, SmokeRun];
    const hits = new Map<string, Hit>();
    reader.acknowledge([a.traceId], { ok: true }); // before anyone waits: nothing to match
    reader.attach(waitingOf([a, b, c, late]), (run, failure) => hits.set(run.id, failure ?? 'found'));
    reader.acknowledge([a.traceId, b.traceId, other.traceId], { ok: true });
    reader.acknowledge([c.traceId], { ok: false, error: 'Service Unavailable' });
    expect(Object.fromEntries(hits)).to.deep.equal({
      [a.id]: 'found',
      [b.id]: 'found',
      [c.id]: { reason: 'export_failed', detail: 'Service Unavailable' },
    });
    expect([reader.kind, reader.backend, reader.missingReason, reader.asked]).to.deep.equal([
      'pushed',
      'exporter',
      'timeout',
      'the acknowledgement of otlp http/protobuf http://collector:4318/v1/traces',
    ]);
  });
});
