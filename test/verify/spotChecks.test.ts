import { expect } from 'chai';
import type { Reader } from '../../src/readers/types';
import { ReadError } from '../../src/readers/types';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import type { SmokeRun } from '../../src/smoke/types';
import type { RunReport } from '../../src/verify/judge';
import { ageBuckets, createSpotChecks, durationLabel, type SpotResult } from '../../src/verify/spotChecks';
import type { Backend, Signal } from '../../src/vocabulary';
import { fakePorts } from '../support/fakes';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A store the test can empty: what it holds, by trace id. */
function store(backend: Backend) {
  const held = new Set<string>();
  let failing = false;
  const reader: Reader = {
    backend,
    missingReason: 'not_found',
    recheck: (run) => (failing ? Promise.reject(new ReadError('unreachable', 'connection refused')) : Promise.resolve(held.has(run.traceId))),
  };
  return { reader, held, fail: (f: boolean) => void (failing = f) };
}

const verifiedReport = (run: SmokeRun, atMs: number): RunReport => ({
  run,
  status: 'verified',
  settled: Promise.resolve(undefined as never),
  verdicts: Object.fromEntries((['log', 'trace', 'metric'] as Signal[]).map((signal) => [signal, { signal, outcome: 'verified', reason: 'none', lagSeconds: 0.1, at: new Date(atMs) }])),
});

/** Hours in milliseconds: the clock is the test's, and so is the one timer. */
function harness() {
  let now = Date.UTC(2026, 11, 4, 0, 0, 0);
  let fire: (() => void) | undefined;
  const loki = store('loki');
  const tempo = store('tempo');
  const results: SpotResult[] = [];
  const spots = createSpotChecks({
    readers: { log: [{ backend: 'file', missingReason: 'not_found' }, loki.reader], trace: [{ backend: 'exporter', missingReason: 'timeout' }, tempo.reader], metric: [] },
    spotIntervalMs: 15 * MIN,
    horizonMs: 4 * HOUR,
    recheckIntervalMs: MIN,
    now: () => now,
    onResult: (r) => results.push(r),
    setTimer: (fn) => ((fire = fn), {}),
    clearTimer: () => (fire = undefined),
    random: () => 0.5,
  });
  const runner = createSmokeRunner({ ...fakePorts().ports, now: () => now });
  return {
    spots,
    loki,
    tempo,
    results,
    advance: (ms: number) => void (now += ms),
    run: () => runner('schedule'),
    now: () => now,
    /** Fires the recheck timer and lets the re-reads settle. */
    async tick() {
      fire?.();
      for (let i = 0; i < 5; i += 1) await new Promise((r) => setImmediate(r));
    },
  };
}

describe('spot checks', () => {
  it('age buckets follow the spot interval and horizon (15m, 1h, 4h by default): a bounded label', () => {
    expect(ageBuckets(15 * MIN, 4 * HOUR).map((b) => b.label)).to.deep.equal(['15m', '1h', '4h']);
    expect(ageBuckets(1000, 8000).map((b) => b.label)).to.deep.equal(['1s', '2s', '8s']);
    expect([durationLabel(90_000), durationLabel(1500)]).to.deep.equal(['90s', '1500ms']);
  });

  it('keeps one verified run per spot interval, re-reads it from the stores that can be asked again, and drops it past the horizon', async () => {
    const h = harness();
    const first = h.run();
    h.spots.offer(verifiedReport(first, h.now()));
    h.advance(MIN);
    h.spots.offer(verifiedReport(h.run(), h.now())); // within 15 minutes of the first: not kept
    h.spots.offer({ ...verifiedReport(h.run(), h.now()), status: 'failed' });
    expect(h.spots.kept.map((k) => k.run.id)).to.deep.equal([first.id]);

    h.loki.held.add(first.traceId);
    h.tempo.held.add(first.traceId);
    await h.tick();
    expect(h.results.map((r) => [r.signal, r.backend, r.outcome, r.age])).to.deep.equal([
      ['log', 'loki', 'found', '15m'],
      ['trace', 'tempo', 'found', '15m'],
    ]);

    h.advance(2 * HOUR);
    h.tempo.held.delete(first.traceId); // the store lost the trace after ingesting it
    h.results.length = 0;
    await h.tick();
    expect(h.results.map((r) => [r.signal, r.outcome, r.age])).to.deep.equal([
      ['log', 'found', '4h'],
      ['trace', 'lost_after_ingest', '4h'],
    ]);

    h.advance(3 * HOUR);
    h.results.length = 0;
    await h.tick();
    expect([h.spots.kept.length, h.results.length]).to.deep.equal([0, 0]);
  });

  it('a store that cannot answer is an error with its reason, not a loss', async () => {
    const h = harness();
    const run = h.run();
    h.spots.offer(verifiedReport(run, h.now()));
    h.loki.fail(true);
    h.tempo.held.add(run.traceId);
    await h.tick();
    expect(h.results.find((r) => r.signal === 'log')).to.include({ outcome: 'error', reason: 'unreachable', backend: 'loki' });
    expect(h.results.find((r) => r.signal === 'trace')).to.include({ outcome: 'found' });
  });

  it('restores runs kept by an earlier process, and stop ends the re-reads', async () => {
    const h = harness();
    const run = h.run();
    h.spots.restore([{ run, verifiedAtMs: { log: h.now() } }]);
    h.spots.offer(verifiedReport(h.run(), h.now() + MIN)); // within the interval of the restored one
    expect(h.spots.kept).to.have.length(1);
    h.spots.stop();
    await h.tick();
    expect(h.results).to.deep.equal([]);
  });
});
