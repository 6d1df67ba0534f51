import { expect } from 'chai';
import { createRegistry } from '../../../src/telemetry/metrics/registry';
import { createVerdictMetrics } from '../../../src/telemetry/metrics/verdicts';
import { createSignalHealth } from '../../../src/verify/signalHealth';
import { METRIC, type Signal, type VerifyOutcome, type VerifyReason } from '../../../src/vocabulary';

const at = new Date(0);
const SETTINGS = { intervalSeconds: 15, verifyTimeoutSeconds: 30, scrapeIntervalSeconds: 15 };

function verdictMetrics(scrapeIntervalSeconds = 15) {
  const registry = createRegistry({ processMetrics: false });
  const metrics = createVerdictMetrics(registry, [scrapeIntervalSeconds], () => 0);
  const series = async (name: string) =>
    (await registry.getSingleMetric(name)!.get()).values.map((v) => ({ ...v.labels, value: v.value }));
  return { metrics, series };
}

describe('verdict metrics', () => {
  it('failures in a row per pipeline and signal: one series each, labelled with the reason that began the streak, back to "none" at the first verified', async () => {
    const { metrics, series } = verdictMetrics();
    // As the daemon wires them: the signal health keeps the streaks, the gauge reads them.
    const health = createSignalHealth({ staleAfterMs: 0, failAfterRuns: 3, mono: () => 0 });
    const record = metrics.forPipeline('default', SETTINGS, (signal) => health.streak(signal));
    const verdict = (signal: Signal, outcome: VerifyOutcome, reason: VerifyReason) => {
      const v = { signal, outcome, reason, at, ...(outcome === 'verified' ? { lagSeconds: 0.1 } : {}) };
      record(v);
      health.observe(v);
    };
    expect(await series(METRIC.consecutiveFailures)).to.deep.equal([
      { pipeline: 'default', signal: 'log', reason: 'none', value: 0 },
      { pipeline: 'default', signal: 'trace', reason: 'none', value: 0 },
      { pipeline: 'default', signal: 'metric', reason: 'none', value: 0 },
    ]);
    verdict('trace', 'error', 'unreachable');
    verdict('trace', 'skipped', 'over_capacity'); // not a read-back: neither breaks nor extends the streak
    verdict('trace', 'error', 'query_timeout'); // the streak keeps the reason it began with
    verdict('trace', 'missing', 'not_found');
    verdict('log', 'error', 'write_failed');
    verdict('log', 'verified', 'none');
    expect(await series(METRIC.consecutiveFailures)).to.deep.equal([
      { pipeline: 'default', signal: 'log', reason: 'none', value: 0 },
      { pipeline: 'default', signal: 'trace', reason: 'unreachable', value: 3 },
      { pipeline: 'default', signal: 'metric', reason: 'none', value: 0 },
    ]);
    verdict('trace', 'verified', 'none');
    verdict('trace', 'missing', 'not_found');
    expect((await series(METRIC.consecutiveFailures))[1]).to.deep.equal({
      pipeline: 'default',
      signal: 'trace',
      reason: 'not_found',
      value: 1,
    });
  });

  it('exposes the schedule interval, the read-back timeout and the scrape interval per pipeline, for the alert rules', async () => {
    const { metrics, series } = verdictMetrics();
    metrics.forPipeline('default', SETTINGS, () => ({ count: 0, reason: 'none' }));
    metrics.forPipeline('team-a', { ...SETTINGS, scrapeIntervalSeconds: 60 }, () => ({ count: 0, reason: 'none' }));
    expect(await series(METRIC.scheduleInterval)).to.deep.equal([
      { pipeline: 'default', value: 15 },
      { pipeline: 'team-a', value: 15 },
    ]);
    expect(await series(METRIC.verifyTimeout)).to.deep.equal([
      { pipeline: 'default', value: 30 },
      { pipeline: 'team-a', value: 30 },
    ]);
    expect(await series(METRIC.scrapeInterval)).to.deep.equal([
      { pipeline: 'default', value: 15 },
      { pipeline: 'team-a', value: 60 },
    ]);
  });
});
