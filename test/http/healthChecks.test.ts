import { expect } from 'chai';
import { daemonHealth, emitCheck, RUN_HEALTH, verdictCheck, worst } from '../../src/http/healthChecks';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { skipped } from '../../src/smoke/types';
import { createScheduler } from '../../src/smoke/scheduler';
import { createSignalHealth } from '../../src/verify/signalHealth';
import type { RunReport } from '../../src/verify/judge';
import { SIGNALS } from '../../src/vocabulary';
import { fakePorts } from '../support/fakes';

const AT = new Date('2026-01-02T03:04:05.000Z');

describe('healthChecks: every health check, built in one place', () => {
  it('worst: fail over warn over pass, from a starting status', () => {
    expect([
      worst([]),
      worst(['pass', 'warn', 'pass']),
      worst(['warn', 'fail', 'pass']),
      worst(['pass'], 'warn'),
      worst(['fail'], 'warn'),
    ]).to.deep.equal(['pass', 'warn', 'fail', 'warn', 'fail']);
  });

  it('emitCheck: warn before any run; the run seq and time; the reason when not emitted; fail on an emit error', () => {
    expect(emitCheck('log', undefined)).to.deep.equal({
      componentId: 'log',
      componentType: 'component',
      status: 'warn',
      output: 'no run yet',
    });
    const run = createSmokeRunner(
      fakePorts({ log: () => ({ status: 'error', reason: 'write_failed' }), metric: () => skipped('disabled') }).ports,
    )('http');
    const base = {
      componentType: 'component',
      observedValue: run.seq,
      observedUnit: 'run seq',
      time: run.startedAt.toISOString(),
    };
    expect(SIGNALS.map((s) => emitCheck(s, run))).to.deep.equal([
      { componentId: 'log', status: 'fail', output: 'write_failed', ...base },
      { componentId: 'trace', status: 'pass', ...base },
      { componentId: 'metric', status: 'pass', output: 'disabled', ...base },
    ]);
  });

  it('verdictCheck: pending without a verdict; pass when verified or skipped, with lag and backend; fail with the reason and detail', () => {
    expect(verdictCheck('trace', undefined)).to.deep.equal({
      componentId: 'trace',
      componentType: 'component',
      status: 'warn',
      output: 'pending',
    });
    expect(
      verdictCheck('trace', {
        signal: 'trace',
        outcome: 'verified',
        reason: 'none',
        lagSeconds: 0.5,
        at: AT,
        backend: 'tempo',
      }),
    ).to.deep.equal({
      componentId: 'trace',
      componentType: 'component',
      status: 'pass',
      observedValue: 0.5,
      observedUnit: 's',
      outcome: 'verified',
      reason: 'none',
      backend: 'tempo',
      time: AT.toISOString(),
    });
    expect(verdictCheck('log', { signal: 'log', outcome: 'skipped', reason: 'disabled', at: AT })).to.deep.equal({
      componentId: 'log',
      componentType: 'component',
      status: 'pass',
      outcome: 'skipped',
      reason: 'disabled',
      output: 'disabled',
      time: AT.toISOString(),
    });
    expect(
      verdictCheck('metric', {
        signal: 'metric',
        outcome: 'error',
        reason: 'unreachable',
        detail: 'ECONNREFUSED',
        at: AT,
        backend: 'prometheus',
      }),
    ).to.include({
      status: 'fail',
      output: 'unreachable: ECONNREFUSED',
      backend: 'prometheus',
    });
    expect(verdictCheck('metric', { signal: 'metric', outcome: 'missing', reason: 'timeout', at: AT })).to.include({
      status: 'fail',
      output: 'timeout',
    });
  });

  it('daemonHealth: an emit and a verification check per signal; a draining daemon is at best warn', () => {
    const health = createSignalHealth({ staleAfterMs: 0, failAfterRuns: 3, mono: () => 0 });
    const pipelines = [
      { name: 'default', signalHealth: health, scheduler: createScheduler({ intervalMs: 0, tick: () => {} }) },
    ];
    const run = createSmokeRunner(fakePorts().ports)('schedule');
    const latest = { latest: () => ({ run }) as RunReport };
    const healthy = daemonHealth(latest, pipelines, false);
    expect(Object.keys(healthy.checks)).to.deep.equal([
      'log:emit',
      'log:verification',
      'trace:emit',
      'trace:verification',
      'metric:emit',
      'metric:verification',
    ]);
    expect(healthy.status).to.equal('pass');
    expect(healthy.checks['trace:verification']).to.deep.equal([
      {
        componentId: 'trace',
        componentType: 'component',
        observedUnit: 's since verified',
        status: 'pass',
        observedValue: 0,
        pipeline: 'default',
      },
    ]);
    expect(healthy.pipelines).to.deep.equal({ default: 'pass' });
    expect(daemonHealth(latest, pipelines, true).status).to.equal('warn');
    expect(daemonHealth({ latest: () => undefined }, pipelines, false).status).to.equal('warn');
  });

  it('a run is healthy once verified, waiting while pending or never read back, failed on an error or a timeout', () => {
    expect(RUN_HEALTH).to.deep.equal({
      verified: 'pass',
      pending: 'warn',
      unverified: 'warn',
      failed: 'fail',
      timeout: 'fail',
    });
  });
});
