import { expect } from 'chai';
import { loadConfig } from '../src/config/load';
import { buildReadBack } from '../src/readBack';
import type { Reader, Report, Waiting } from '../src/readers/types';
import { createSmokeRunner } from '../src/smoke/runSmokeTest';
import { createRenderer } from '../src/telemetry/exposition';
import { createMetrics } from '../src/telemetry/metrics';
import { EVENT, METRIC } from '../src/vocabulary';
import { memoryLogger } from './support/app';
import { fakePorts } from './support/fakes';

// The runs' start times are real (the fake ports read Date.now()): the test's clock starts there too.
const T0 = Date.now();

/**
 * The read-back as the daemon builds it, on the production defaults but for `flags`: only the
 * trace signal is read back, from a stand-in for the span exporter's acknowledgements that the
 * test answers for each run; the clock is the test's.
 */
function readBackOf(flags: Record<string, string> = {}) {
  const config = loadConfig({
    env: {},
    flags: { 'verify.log.enabled': 'false', 'verify.metrics.enabled': 'false', ...flags },
  });
  let nowMs = T0;
  const now = () => nowMs;
  const metrics = createMetrics({ processMetrics: false, now });
  const { logger, lines } = memoryLogger();
  const acks: { waiting?: Waiting; report?: Report } = {};
  const spanAcks: Reader = {
    backend: 'exporter',
    missingReason: 'timeout',
    attach(waiting, report) {
      acks.waiting = waiting;
      acks.report = report;
    },
  };
  const readBack = buildReadBack(config, {
    metrics,
    logFile: undefined,
    logWriteFailed: () => false,
    spanAcks,
    logAcks: undefined,
    render: createRenderer(metrics.registry),
    hostPort: '127.0.0.1:9',
    now,
    logger,
  });
  const runner = createSmokeRunner(fakePorts().ports);
  return {
    ...readBack,
    runner,
    setNow: (ms: number) => (nowMs = ms),
    /** The exporter's answer for a run: acknowledged now, or a failure. */
    ack: (traceId: string, hit: Parameters<Report>[1]) => acks.report!(acks.waiting!.get(traceId)!, hit),
    exposition: () => metrics.registry.metrics(),
    lines,
  };
}

describe('readBack: the read-back built from config', () => {
  it('/healthz warns once no read-back verified a signal for verify.health.staleAfterIntervals schedule intervals', () => {
    const rb = readBackOf({ 'schedule.interval': '10s', 'verify.health.staleAfterIntervals': '2' });
    rb.setNow(T0 + 20_000);
    expect(rb.signalHealth.check('trace').status).to.equal('pass');
    rb.setNow(T0 + 20_001);
    expect(rb.signalHealth.check('trace')).to.include({ status: 'warn', output: 'not verified yet' });
  });

  it('each verdict reaches /healthz, the failure-streak gauge and the verification_failed line; fails after verify.health.failAfterRuns runs', async () => {
    const rb = readBackOf({ 'verify.health.failAfterRuns': '2' });
    for (let i = 0; i < 2; i += 1) {
      expect(rb.signalHealth.check('trace').status).to.equal('pass');
      const report = rb.judge.judge(rb.runner('http'));
      rb.ack(report.run.traceId, { reason: 'export_failed' });
      expect((await report.settled).verdicts.log).to.include({ outcome: 'skipped', reason: 'disabled' });
    }
    expect(rb.signalHealth.check('trace')).to.include({
      status: 'fail',
      output: '2 runs in a row failed (error: export_failed)',
    });
    expect(await rb.exposition()).to.include(`${METRIC.consecutiveFailures}{signal="trace",reason="export_failed"} 2`);
    expect(rb.lines().map((l) => [l.event, l.signal, l.reason])).to.deep.equal([
      [EVENT.verificationFailed, 'trace', 'export_failed'],
      [EVENT.verificationFailed, 'trace', 'export_failed'],
    ]);
  });

  it('a verified run is offered to the spot checks, whose age series start at 0; with spot checks off there are none', async () => {
    const rb = readBackOf({ 'retention.spotInterval': '15m', 'retention.horizon': '1h' });
    const report = rb.judge.judge(rb.runner('schedule'));
    rb.ack(report.run.traceId, { atMs: T0 });
    expect((await report.settled).status).to.equal('verified');
    expect(rb.spotChecks.kept.map((k) => k.run.id)).to.deep.equal([report.run.id]);
    const exposition = await rb.exposition();
    expect(exposition).to.include(`${METRIC.spotRuns} 1`);
    expect(exposition).to.match(new RegExp(`${METRIC.spotChecks}\\{[^}]*age="15m"[^}]*\\} 0`));

    const off = await readBackOf({ 'retention.spotInterval': '0' }).exposition();
    expect(off).not.to.match(new RegExp(`^${METRIC.spotChecks}\\{`, 'm'));
  });

  it('GET and scheduled runs await verification up to verify.maxPending; POST runs have verify.maxPendingApi of their own', async () => {
    const rb = readBackOf({ 'verify.maxPending': '1', 'verify.maxPendingApi': '1' });
    const first = rb.judge.judge(rb.runner('http'));
    const over = rb.judge.judge(rb.runner('schedule'));
    const gate = rb.judge.judge(rb.runner('api'));
    expect(rb.judge.pending).to.equal(2);
    expect((await over.settled).verdicts.trace).to.include({ outcome: 'skipped', reason: 'over_capacity' });
    expect([first.status, gate.status]).to.deep.equal(['pending', 'pending']);
  });
});
