import { expect } from 'chai';
import winston from 'winston';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { createMetrics } from '../../src/telemetry/metrics';
import { createSignalHealth } from '../../src/verify/signalHealth';
import type { Verdict } from '../../src/verify/types';
import { createVerdictSink } from '../../src/verify/verdicts';
import { EVENT, METRIC, SIGNALS } from '../../src/vocabulary';
import { ArrayTransport } from '../support/app';
import { fakePorts } from '../support/fakes';

const STARTED_MS = 1_700_000_000_000;

function sink() {
  const metrics = createMetrics({ processMetrics: false, now: () => STARTED_MS });
  const health = createSignalHealth({ staleAfterMs: 60_000, failAfterRuns: 3, now: () => STARTED_MS, startedMs: STARTED_MS });
  const transport = new ArrayTransport();
  const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
  const lastVerified = async () => {
    const values = (await metrics.registry.getSingleMetric(METRIC.lastVerified)!.get()).values;
    return Object.fromEntries(values.map((v) => [v.labels.signal, v.value]));
  };
  return { onVerdict: createVerdictSink({ metrics, health, logger }), lines: () => transport.lines.map((l) => JSON.parse(l) as Record<string, unknown>), lastVerified };
}

describe('verdicts: what each verdict does', () => {
  const run = createSmokeRunner(fakePorts().ports)('http');

  it('the last-verified gauge: the process start time per signal until its first verified read-back, then that read-back time', async () => {
    const { onVerdict, lastVerified } = sink();
    expect(await lastVerified()).to.deep.equal(Object.fromEntries(SIGNALS.map((s) => [s, STARTED_MS / 1000])));
    onVerdict({ signal: 'log', outcome: 'verified', reason: 'none', lagSeconds: 0.2, at: new Date(STARTED_MS + 42_000), backend: 'file' }, run);
    onVerdict({ signal: 'trace', outcome: 'missing', reason: 'timeout', at: new Date(STARTED_MS + 50_000), backend: 'exporter' }, run);
    expect(await lastVerified()).to.deep.equal({ log: STARTED_MS / 1000 + 42, trace: STARTED_MS / 1000, metric: STARTED_MS / 1000 });
  });

  it('a failed read-back writes one smoke_test.verification_failed line with the run, signal, outcome, reason and backend; a verified one writes none', () => {
    const { onVerdict, lines } = sink();
    onVerdict({ signal: 'metric', outcome: 'verified', reason: 'none', lagSeconds: 0.1, at: new Date(STARTED_MS), backend: 'self' }, run);
    expect(lines()).to.deep.equal([]);
    const failures: Verdict[] = [
      { signal: 'trace', outcome: 'missing', reason: 'timeout', at: new Date(STARTED_MS), backend: 'exporter' },
      { signal: 'metric', outcome: 'error', reason: 'unreachable', at: new Date(STARTED_MS), backend: 'prometheus', detail: 'connect ECONNREFUSED 127.0.0.1:9' },
    ];
    for (const verdict of failures) onVerdict(verdict, run);
    expect(lines()).to.deep.equal([
      { level: 'warn', message: 'signal not verified', event: EVENT.verificationFailed, run_id: run.id, trace_id: run.traceId, seq: run.seq, signal: 'trace', outcome: 'missing', reason: 'timeout', backend: 'exporter' },
      {
        level: 'warn',
        message: 'signal not verified',
        event: EVENT.verificationFailed,
        run_id: run.id,
        trace_id: run.traceId,
        seq: run.seq,
        signal: 'metric',
        outcome: 'error',
        reason: 'unreachable',
        backend: 'prometheus',
        detail: 'connect ECONNREFUSED 127.0.0.1:9',
      },
    ]);
  });
});
