import { expect } from 'chai';
import { createSignalHealth } from '../../src/verify/signalHealth';
import type { Verdict } from '../../src/verify/types';
import type { Signal } from '../../src/vocabulary';

const STARTED = 1_000_000;
const verdict = (
  signal: Signal,
  outcome: Verdict['outcome'],
  atMs: number,
  reason: Verdict['reason'] = outcome === 'verified' ? 'none' : 'not_found',
): Verdict => ({ signal, outcome, reason, at: new Date(atMs) });

describe('signal health (/healthz verification checks)', () => {
  it('not verified yet warns once stale; a verification passes, with its time and the seconds since', () => {
    let now = STARTED;
    const health = createSignalHealth({ staleAfterMs: 45_000, failAfterRuns: 3, mono: () => now });
    expect(health.check('log')).to.deep.equal({ status: 'pass', observedValue: 0 });
    now = STARTED + 45_001;
    expect(health.check('log')).to.deep.equal({ status: 'warn', observedValue: 45.001, output: 'not verified yet' });
    now = STARTED + 50_000;
    health.observe(verdict('log', 'verified', Date.UTC(2026, 0, 1)));
    now = STARTED + 52_500;
    expect(health.check('log')).to.deep.equal({
      status: 'pass',
      observedValue: 2.5,
      time: '2026-01-01T00:00:00.000Z', // the wall time it was verified at, shown; staleness is on the monotonic clock
    });
    now = STARTED + 95_001;
    expect(health.check('log')).to.include({ status: 'warn', output: 'last verification is stale' });
  });

  it('fails after failAfterRuns failed runs in a row, naming the last failure; skipped runs neither count nor reset; a verification resets', () => {
    const now = STARTED;
    const health = createSignalHealth({ staleAfterMs: 0, failAfterRuns: 3, mono: () => now });
    health.observe(verdict('trace', 'missing', now));
    health.observe(verdict('trace', 'skipped', now, 'over_capacity'));
    health.observe(verdict('trace', 'error', now, 'unreachable'));
    expect(health.check('trace').status).to.equal('pass');
    health.observe(verdict('trace', 'error', now, 'export_failed'));
    expect(health.check('trace')).to.include({
      status: 'fail',
      output: '3 runs in a row failed (error: export_failed)',
    });
    expect(health.check('log').status, 'other signals unaffected').to.equal('pass');
    health.observe(verdict('trace', 'verified', now));
    expect(health.check('trace').status).to.equal('pass');
  });

  it('staleAfterMs 0: never stale', () => {
    let now = STARTED;
    const health = createSignalHealth({ staleAfterMs: 0, failAfterRuns: 3, mono: () => now });
    now = STARTED + 86_400_000;
    expect(health.check('metric').status).to.equal('pass');
  });

  it('a streak keeps the reason that began it, but a throttled start gives way to the first other failure', () => {
    const health = createSignalHealth({ staleAfterMs: 0, failAfterRuns: 3, mono: () => STARTED });
    health.observe(verdict('metric', 'missing', STARTED, 'not_found'));
    health.observe(verdict('metric', 'error', STARTED, 'server_error'));
    expect(health.streak('metric')).to.deep.equal({ count: 2, reason: 'not_found' });
    health.observe(verdict('log', 'error', STARTED, 'throttled'));
    health.observe(verdict('log', 'error', STARTED, 'throttled'));
    expect(health.streak('log')).to.deep.equal({ count: 2, reason: 'throttled' });
    health.observe(verdict('log', 'missing', STARTED, 'not_found'));
    health.observe(verdict('log', 'error', STARTED, 'throttled'));
    expect(health.streak('log'), 'the page says what broke, not the limit').to.deep.equal({
      count: 4,
      reason: 'not_found',
    });
  });
});
