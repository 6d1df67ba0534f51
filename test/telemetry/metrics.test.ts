import { expect } from 'chai';
import { createMetrics } from '../../src/telemetry/metrics';
import { createSignalHealth } from '../../src/verify/signalHealth';
import { METRIC, type Signal, type VerifyOutcome, type VerifyReason } from '../../src/vocabulary';

const at = new Date(0);
const series = async (metrics: ReturnType<typeof createMetrics>, name: string) =>
  (await metrics.registry.getSingleMetric(name)!.get()).values.map((v) => ({ ...v.labels, value: v.value }));

describe('metrics', () => {
  it('failures in a row per signal: one series each, labelled with the reason that began the streak, back to "none" at the first verified', async () => {
    const metrics = createMetrics({ processMetrics: false });
    // As the daemon wires them: the signal health keeps the streaks, the gauge reads them.
    const health = createSignalHealth({ staleAfterMs: 0, failAfterRuns: 3, now: () => 0, startedMs: 0 });
    metrics.initStreaks((signal) => health.streak(signal));
    const verdict = (signal: Signal, outcome: VerifyOutcome, reason: VerifyReason) => {
      const v = { signal, outcome, reason, at, ...(outcome === 'verified' ? { lagSeconds: 0.1 } : {}) };
      metrics.recordVerdict(v);
      health.observe(v);
    };
    expect(await series(metrics, METRIC.consecutiveFailures)).to.deep.equal([
      { signal: 'log', reason: 'none', value: 0 },
      { signal: 'trace', reason: 'none', value: 0 },
      { signal: 'metric', reason: 'none', value: 0 },
    ]);
    verdict('trace', 'error', 'unreachable');
    verdict('trace', 'skipped', 'over_capacity'); // not a read-back: neither breaks nor extends the streak
    verdict('trace', 'error', 'query_timeout'); // the streak keeps the reason it began with
    verdict('trace', 'missing', 'not_found');
    verdict('log', 'error', 'write_failed');
    verdict('log', 'verified', 'none');
    expect(await series(metrics, METRIC.consecutiveFailures)).to.deep.equal([
      { signal: 'log', reason: 'none', value: 0 },
      { signal: 'trace', reason: 'unreachable', value: 3 },
      { signal: 'metric', reason: 'none', value: 0 },
    ]);
    verdict('trace', 'verified', 'none');
    verdict('trace', 'missing', 'not_found');
    expect((await series(metrics, METRIC.consecutiveFailures))[1]).to.deep.equal({
      signal: 'trace',
      reason: 'not_found',
      value: 1,
    });
  });

  it('exposes the schedule interval and the read-back timeout for the alert rules', async () => {
    const metrics = createMetrics({
      processMetrics: false,
      settings: { intervalSeconds: 15, verifyTimeoutSeconds: 30 },
    });
    expect(await series(metrics, METRIC.scheduleInterval)).to.deep.equal([{ value: 15 }]);
    expect(await series(metrics, METRIC.verifyTimeout)).to.deep.equal([{ value: 30 }]);
  });
});
