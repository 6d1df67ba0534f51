import { expect } from 'chai';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { failed } from '../../src/smoke/types';
import { fakePorts } from '../support/fakes';

describe('runSmokeTest (core, fake signals)', () => {
  it('emits one span, one log line and one counter increment under one id', () => {
    const fake = fakePorts();
    const run = createSmokeRunner(fake.ports)('http');

    expect(fake.spans).to.have.length(1);
    expect(fake.lines).to.have.length(1);
    expect(fake.runs).to.have.length(1);
    const [span, line, counted] = [fake.spans[0]!, fake.lines[0]!, fake.runs[0]!];
    expect(run.id).to.equal(span.traceId);
    expect(run.traceId).to.equal(span.traceId);
    expect(line).to.include({ runId: run.id, traceId: span.traceId, spanId: span.spanId, seq: 1, trigger: 'http' });
    expect(counted.exemplar).to.deep.equal({ trace_id: span.traceId, span_id: span.spanId });
    expect(counted).to.include({ trigger: 'http', outcome: 'success' });
    expect(span.ended).to.equal(true);
    expect(run.outcome).to.equal('success');
    expect(run.signals).to.deep.equal({
      log: { status: 'emitted' },
      trace: { status: 'emitted' },
      metric: { status: 'emitted' },
    });
  });

  it('numbers runs with a monotonic seq and stamps the log line with the run start', () => {
    const fake = fakePorts();
    const runSmokeTest = createSmokeRunner(fake.ports);
    const runs = [runSmokeTest('http'), runSmokeTest('schedule'), runSmokeTest('api')];
    expect(runs.map((r) => r.seq)).to.deep.equal([1, 2, 3]);
    expect(fake.lines.map((l) => l.seq)).to.deep.equal([1, 2, 3]);
    expect(fake.lines[0]!.timestamp).to.equal(runs[0]!.startedAt.toISOString());
    expect(runs[0]!.durationSeconds).to.be.greaterThan(0);
  });

  it('reports a failed log write as a failed signal without throwing, and marks the span', () => {
    const fake = fakePorts({ log: () => failed('write_failed') });
    const run = createSmokeRunner(fake.ports)('http');
    expect(run.signals.log).to.deep.equal({ status: 'error', reason: 'write_failed' });
    expect(run.outcome).to.equal('failure');
    expect(fake.runs[0]!.outcome).to.equal('failure');
    expect(fake.spans[0]!.failedSignal).to.equal('log');
  });

  it('turns a port that throws into emit_failed for that signal only', () => {
    const fake = fakePorts({
      metric: () => {
        throw new Error('boom');
      },
    });
    const run = createSmokeRunner(fake.ports)('http');
    expect(run.signals.metric).to.deep.equal({ status: 'error', reason: 'emit_failed' });
    expect(run.signals.log.status).to.equal('emitted');
    expect(run.outcome).to.equal('failure');
  });

  it('attaches no exemplar to an unsampled run, and sampling out is not a failure', () => {
    const fake = fakePorts({ sampled: false });
    const run = createSmokeRunner(fake.ports)('http');
    expect(fake.runs[0]).to.not.have.property('exemplar');
    expect(run.signals.trace).to.deep.equal({ status: 'skipped', reason: 'sampled_out' });
    expect(run.outcome).to.equal('success');
  });
});
