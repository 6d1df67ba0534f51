import { expect } from 'chai';
import { pipelinesOf } from '../src/config/pipelines';
import { loadConfig } from '../src/config/load';
import { wireReadBack } from '../src/readBack';
import { createScrapeWatch } from '../src/readers/scrapes';
import { createSmokeRunner } from '../src/smoke/runSmokeTest';
import type { ExportListener } from '../src/telemetry/exportAccounting';
import { createRenderer } from '../src/telemetry/exposition';
import { createRegistry } from '../src/telemetry/metrics/registry';
import { createSpotCheckMetrics } from '../src/telemetry/metrics/spotChecks';
import { createVerdictMetrics } from '../src/telemetry/metrics/verdicts';
import { EVENT, METRIC } from '../src/vocabulary';
import { memoryLogger } from './support/app';
import { fakePorts } from './support/fakes';

/**
 * The read-back as the daemon wires it, on the production defaults but for `flags`: only the trace
 * signal is read back, from the span exporter's acknowledgements, which the test gives for each run;
 * the monotonic clock is the test's.
 */
function readBackOf(flags: Record<string, string> = {}) {
  const config = loadConfig({
    env: {},
    flags: { 'verify.log.enabled': 'false', 'verify.metrics.enabled': 'false', ...flags },
  });
  let mono = 0;
  const registry = createRegistry({ processMetrics: false });
  const { logger, lines } = memoryLogger();
  const listeners: ExportListener[] = [];
  const readBack = wireReadBack({
    pipeline: pipelinesOf(config)[0]!,
    processId: 'abc',
    spans: { destination: 'a test exporter', onExported: (l) => void listeners.push(l) },
    logRecords: undefined,
    logFile: undefined,
    logWriteFailed: () => false,
    render: createRenderer(registry),
    scrapes: createScrapeWatch(Date.now),
    pushes: { refused: () => undefined, lost: () => false, lostThrough: () => 0 },
    now: Date.now,
    mono: () => mono,
    logger,
    metrics: { verdicts: createVerdictMetrics(registry, [15], Date.now), spotChecks: createSpotCheckMetrics(registry) },
  });
  const runner = createSmokeRunner(fakePorts().ports);
  return {
    ...readBack,
    runner,
    setMono: (ms: number) => (mono = ms),
    /** The exporter's answer for a batch holding one run's span. */
    ack: (traceId: string, ok = true) => {
      for (const l of listeners) l([traceId], ok ? { ok } : { ok, error: 'HTTP 503' });
    },
    exposition: () => registry.metrics(),
    lines,
  };
}

describe('readBack: the read-back built from config', () => {
  it('/healthz warns once no read-back verified a signal for verify.health.staleAfterIntervals schedule intervals', () => {
    const rb = readBackOf({ 'schedule.interval': '10s', 'verify.health.staleAfterIntervals': '2' });
    rb.setMono(20_000);
    expect(rb.signalHealth.check('trace').status).to.equal('pass');
    rb.setMono(20_001);
    expect(rb.signalHealth.check('trace')).to.include({ status: 'warn', output: 'not verified yet' });
  });

  it('each verdict reaches /healthz, the failure-streak gauge and the verification_failed line; fails after verify.health.failAfterRuns runs', async () => {
    const rb = readBackOf({ 'verify.health.failAfterRuns': '2' });
    for (let i = 0; i < 2; i += 1) {
      expect(rb.signalHealth.check('trace').status).to.equal('pass');
      const report = rb.judge.judge(rb.runner('http'));
      rb.ack(report.run.traceId, false);
      expect((await report.settled).verdicts.log).to.include({ outcome: 'skipped', reason: 'disabled' });
    }
    expect(rb.signalHealth.check('trace')).to.include({
      status: 'fail',
      output: '2 runs in a row failed (error: export_failed)',
    });
    expect(await rb.exposition()).to.include(
      `${METRIC.consecutiveFailures}{pipeline="default",signal="trace",reason="export_failed"} 2`,
    );
    expect(rb.lines().map((l) => [l.event, l.signal, l.reason])).to.deep.equal([
      [EVENT.verificationFailed, 'trace', 'export_failed'],
      [EVENT.verificationFailed, 'trace', 'export_failed'],
    ]);
  });

  it('a verified run is offered to the spot checks; their age series start at 0 for each signal a store can re-read, none with spot checks off', async () => {
    const spot = { 'retention.spotInterval': '15m', 'retention.horizon': '1h' };
    const rb = readBackOf(spot);
    const report = rb.judge.judge(rb.runner('schedule'));
    rb.ack(report.run.traceId);
    expect((await report.settled).status).to.equal('verified');
    expect(rb.spotChecks.kept.map((k) => k.run.id)).to.deep.equal([report.run.id]);
    const exposition = await rb.exposition();
    expect(exposition).to.include(`${METRIC.spotRuns}{pipeline="default"} 1`);
    // An exporter's answer is gone once read: nothing here can be asked again, so no series.
    expect(exposition).not.to.match(new RegExp(`^${METRIC.spotChecks}\\{`, 'm'));
    const withStore = await readBackOf({ ...spot, 'verify.traces.tempo.url': 'http://127.0.0.1:9' }).exposition();
    const spotSeries = [...withStore.matchAll(new RegExp(`^${METRIC.spotChecks}\\{([^}]*)\\} 0$`, 'gm'))];
    expect(spotSeries.length, 'outcomes x age buckets').to.equal(3 * 2);
    for (const [, labels] of spotSeries) expect(labels).to.include('signal="trace"');
    expect(withStore).to.match(new RegExp(`${METRIC.spotChecks}\\{[^}]*age="15m"[^}]*\\} 0`));

    const off = await readBackOf({ 'retention.spotInterval': '0' }).exposition();
    expect(off).not.to.match(new RegExp(`^${METRIC.spotChecks}\\{`, 'm'));
  });

  it('GET and scheduled runs await verification up to verify.maxPending; POST runs have verify.maxPendingApi of their own', async () => {
    const rb = readBackOf({ 'verify.maxPending': '2', 'verify.maxPendingApi': '1' });
    const others = [
      rb.judge.judge(rb.runner('http')),
      rb.judge.judge(rb.runner('schedule')),
      rb.judge.judge(rb.runner('http')),
    ];
    const gates = [rb.judge.judge(rb.runner('api')), rb.judge.judge(rb.runner('api'))];
    expect(rb.judge.pending).to.equal(3);
    expect(others.map((r) => r.status)).to.deep.equal(['pending', 'pending', 'unverified']);
    expect(gates.map((r) => r.status)).to.deep.equal(['pending', 'unverified']);
    expect((await others[2]!.settled).verdicts.trace).to.include({ outcome: 'skipped', reason: 'over_capacity' });
  });
});
