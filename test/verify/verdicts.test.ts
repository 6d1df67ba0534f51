import { expect } from 'chai';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { createRegistry } from '../../src/telemetry/metrics/registry';
import { createVerdictMetrics } from '../../src/telemetry/metrics/verdicts';
import { createSignalHealth } from '../../src/verify/signalHealth';
import type { Verdict } from '../../src/verify/types';
import type { Exemplar } from '../../src/vocabulary';
import type { SpotResult } from '../../src/verify/spotChecks';
import { createSpotSink, createVerdictSink } from '../../src/verify/verdicts';
import { EVENT, METRIC, SIGNALS } from '../../src/vocabulary';
import { memoryLogger } from '../support/app';
import { fakePorts } from '../support/fakes';

const STARTED_MS = 1_700_000_000_000;

function sink() {
  const registry = createRegistry({ processMetrics: false });
  const health = createSignalHealth({ staleAfterMs: 60_000, failAfterRuns: 3, mono: () => 0 });
  const record = createVerdictMetrics(registry, [15], () => STARTED_MS).forPipeline(
    'default',
    { intervalSeconds: 15, verifyTimeoutSeconds: 30, scrapeIntervalSeconds: 15 },
    (signal) => health.streak(signal),
  );
  const { logger, lines } = memoryLogger();
  const lastVerified = async () => {
    const values = (await registry.getSingleMetric(METRIC.lastVerified)!.get()).values;
    return Object.fromEntries(values.map((v) => [v.labels.signal, v.value]));
  };
  return { onVerdict: createVerdictSink({ pipeline: 'default', record, health, logger }), lines, lastVerified };
}

describe('verdicts: what each verdict does', () => {
  const run = createSmokeRunner(fakePorts().ports)('http');

  it('the last-verified gauge: the process start time per signal until its first verified read-back, then that read-back time', async () => {
    const { onVerdict, lastVerified } = sink();
    expect(await lastVerified()).to.deep.equal(Object.fromEntries(SIGNALS.map((s) => [s, STARTED_MS / 1000])));
    onVerdict(
      {
        signal: 'log',
        outcome: 'verified',
        reason: 'none',
        lagSeconds: 0.2,
        at: new Date(STARTED_MS + 42_000),
        backend: 'file',
      },
      run,
    );
    onVerdict(
      {
        signal: 'trace',
        outcome: 'missing',
        reason: 'timeout',
        at: new Date(STARTED_MS + 50_000),
        backend: 'exporter',
      },
      run,
    );
    expect(await lastVerified()).to.deep.equal({
      log: STARTED_MS / 1000 + 42,
      trace: STARTED_MS / 1000,
      metric: STARTED_MS / 1000,
    });
  });

  it('a failed read-back writes one smoke_test.verification_failed line with the run, signal, outcome, reason and backend; a verified one writes none', () => {
    const { onVerdict, lines } = sink();
    onVerdict(
      {
        signal: 'metric',
        outcome: 'verified',
        reason: 'none',
        lagSeconds: 0.1,
        at: new Date(STARTED_MS),
        backend: 'self',
      },
      run,
    );
    expect(lines()).to.deep.equal([]);
    const failures: Verdict[] = [
      { signal: 'trace', outcome: 'missing', reason: 'timeout', at: new Date(STARTED_MS), backend: 'exporter' },
      {
        signal: 'metric',
        outcome: 'error',
        reason: 'unreachable',
        at: new Date(STARTED_MS),
        backend: 'prometheus',
        detail: 'connect ECONNREFUSED 127.0.0.1:9',
      },
    ];
    for (const verdict of failures) onVerdict(verdict, run);
    expect(lines()).to.deep.equal([
      {
        level: 'warn',
        message: 'signal not verified',
        event: EVENT.verificationFailed,
        pipeline: 'default',
        run_id: run.id,
        trace_id: run.traceId,
        seq: run.seq,
        signal: 'trace',
        outcome: 'missing',
        reason: 'timeout',
        backend: 'exporter',
      },
      {
        level: 'warn',
        message: 'signal not verified',
        event: EVENT.verificationFailed,
        pipeline: 'default',
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

  it('only a verified verdict of a run whose span was exported links its lag to the trace (exemplar); every verdict reaches /healthz', () => {
    const recorded: [string, Exemplar | undefined][] = [];
    const health = createSignalHealth({ staleAfterMs: 0, failAfterRuns: 1, mono: () => 0 });
    const { logger } = memoryLogger();
    const onVerdict = createVerdictSink({
      pipeline: 'default',
      record: (v, exemplar) => recorded.push([`${v.signal} ${v.outcome}`, exemplar]),
      health,
      logger,
    });
    const unsampled = createSmokeRunner(fakePorts({ sampled: false }).ports)('http');
    expect(unsampled.signals.trace.status).to.equal('skipped');

    onVerdict(
      {
        signal: 'log',
        outcome: 'verified',
        reason: 'none',
        lagSeconds: 0.2,
        at: new Date(STARTED_MS),
        backend: 'file',
      },
      run,
    );
    onVerdict(
      {
        signal: 'log',
        outcome: 'verified',
        reason: 'none',
        lagSeconds: 0.2,
        at: new Date(STARTED_MS),
        backend: 'file',
      },
      unsampled,
    );
    onVerdict(
      { signal: 'metric', outcome: 'error', reason: 'unreachable', at: new Date(STARTED_MS), backend: 'prometheus' },
      run,
    );
    expect(recorded).to.deep.equal([
      ['log verified', { trace_id: run.traceId, span_id: run.spanId }],
      ['log verified', undefined],
      ['metric error', undefined],
    ]);
    expect(health.check('log').status).to.equal('pass');
    expect(health.check('metric')).to.include({
      status: 'fail',
      output: '1 runs in a row failed (error: unreachable)',
    });
  });
});

describe('verdicts: what each spot check does', () => {
  const run = createSmokeRunner(fakePorts().ports)('schedule');

  function spotSink() {
    const counted: string[] = [];
    const { logger, lines } = memoryLogger();
    const onSpotCheck = createSpotSink({
      pipeline: 'default',
      record: (signal, outcome, age) => counted.push(`${signal} ${outcome} ${age}`),
      logger,
    });
    return { onSpotCheck, counted, lines };
  }

  it('every re-read is counted by signal, outcome and age; one still found writes no line', () => {
    const { onSpotCheck, counted, lines } = spotSink();
    onSpotCheck({ run, signal: 'log', backend: 'loki', outcome: 'found', age: '1h' });
    expect(counted).to.deep.equal(['log found 1h']);
    expect(lines()).to.deep.equal([]);
  });

  it('a signal gone after it was verified writes one smoke_test.lost_after_ingest warning naming the run, signal, backend and age', () => {
    const { onSpotCheck, counted, lines } = spotSink();
    onSpotCheck({ run, signal: 'trace', backend: 'tempo', outcome: 'lost_after_ingest', age: '6h' });
    expect(counted).to.deep.equal(['trace lost_after_ingest 6h']);
    expect(lines()).to.deep.equal([
      {
        level: 'warn',
        message: 'signal lost after it was verified',
        event: EVENT.lostAfterIngest,
        pipeline: 'default',
        run_id: run.id,
        trace_id: run.traceId,
        signal: 'trace',
        backend: 'tempo',
        age: '6h',
        outcome: 'lost_after_ingest',
      },
    ]);
  });

  it('a re-read that failed writes a smoke_test.verification_failed warning with its reason and a printable detail', () => {
    const { onSpotCheck, lines } = spotSink();
    const failed: SpotResult = {
      run,
      signal: 'metric',
      backend: 'prometheus',
      outcome: 'error',
      reason: 'unreachable',
      detail: 'refused\u001b[31m',
      age: '1h',
    };
    onSpotCheck(failed);
    expect(lines()).to.deep.equal([
      {
        level: 'warn',
        message: 'spot check could not read back',
        event: EVENT.verificationFailed,
        pipeline: 'default',
        run_id: run.id,
        trace_id: run.traceId,
        signal: 'metric',
        backend: 'prometheus',
        age: '1h',
        outcome: 'error',
        reason: 'unreachable',
        detail: 'refused [31m',
      },
    ]);
  });
});
