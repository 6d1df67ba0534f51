import { expect } from 'chai';
import type { PolledReader, Reader } from '../../src/readers/types';
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
  const reader: PolledReader & Required<Pick<PolledReader, 'recheck'>> = {
    kind: 'polled',
    backend,
    asked: `the ${backend}`,
    missingReason: 'not_found',
    read: () => Promise.resolve(),
    recheck: (run) =>
      failing
        ? Promise.reject(new ReadError('unreachable', 'connection refused'))
        : Promise.resolve(held.has(run.traceId)),
  };
  return { reader, held, fail: (f: boolean) => void (failing = f) };
}

const verifiedReport = (run: SmokeRun, atMs: number): RunReport => ({
  run,
  status: 'verified',
  settled: Promise.resolve(undefined as never),
  verdicts: Object.fromEntries(
    (['log', 'trace', 'metric'] as Signal[]).map((signal) => [
      signal,
      { signal, outcome: 'verified', reason: 'none', lagSeconds: 0.1, at: new Date(atMs) },
    ]),
  ),
});

/** A file tail and an exporter's acknowledgements: they cannot be asked again. */
const stream: Reader = {
  kind: 'stream',
  backend: 'file',
  asked: 'the file',
  missingReason: 'not_found',
  read: () => Promise.resolve(),
  standingFailure: () => undefined,
};
const acks: Reader = {
  kind: 'pushed',
  backend: 'exporter',
  asked: 'the exporter',
  missingReason: 'timeout',
  attach: () => {},
};

/** Hours in milliseconds: the clock is the test's, and so is the one timer. */
function harness(
  options: { spotIntervalMs?: number; recheckIntervalMs?: number; random?: () => number; stores?: boolean } = {},
) {
  let now = Date.UTC(2026, 11, 4, 0, 0, 0);
  let fire: (() => void) | undefined;
  const armed: number[] = [];
  let cleared = 0;
  const loki = store('loki');
  const tempo = store('tempo');
  const results: SpotResult[] = [];
  const stores = options.stores ?? true;
  const spots = createSpotChecks({
    readers: {
      log: [stream, ...(stores ? [loki.reader] : [])],
      trace: [acks, ...(stores ? [tempo.reader] : [])],
      metric: [],
    },
    spotIntervalMs: options.spotIntervalMs ?? 15 * MIN,
    horizonMs: 4 * HOUR,
    recheckIntervalMs: options.recheckIntervalMs ?? MIN,
    now: () => now,
    onResult: (r) => results.push(r),
    setTimer: (fn, ms) => ((fire = fn), armed.push(ms), {}),
    clearTimer: () => ((fire = undefined), (cleared += 1)),
    random: options.random ?? (() => 0.5),
  });
  const runner = createSmokeRunner({ ...fakePorts().ports, now: () => now });
  return {
    spots,
    loki,
    tempo,
    results,
    advance: (ms: number) => void (now += ms),
    /** The delay of each timer armed so far, and how often the timer was cleared. */
    armed,
    cleared: () => cleared,
    /** The armed timer's callback, to fire later. */
    timer: () => fire,
    run: () => runner('schedule'),
    now: () => now,
    /** Fires the recheck timer and lets the re-reads settle. */
    async tick() {
      fire?.();
      await this.settle();
    },
    /** Lets the re-reads under way settle. */
    async settle() {
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
    expect(h.results.find((r) => r.signal === 'log')).to.include({
      outcome: 'error',
      reason: 'unreachable',
      backend: 'loki',
    });
    expect(h.results.find((r) => r.signal === 'trace')).to.include({ outcome: 'found' });
  });

  it('restores runs kept by an earlier process, and stop ends the re-reads', async () => {
    const h = harness();
    const run = h.run();
    h.spots.restore([{ run, verifiedAtMs: { log: h.now() } }]);
    h.spots.offer(verifiedReport(h.run(), h.now() + MIN)); // within the interval of the restored one
    expect(h.spots.kept.map((k) => k.run.id)).to.deep.equal([run.id]);
    h.spots.stop();
    await h.tick();
    expect(h.results).to.deep.equal([]);
  });

  it('labels and buckets at their edges: 0 ms, an interval past the horizon, an age exactly on a bound', async () => {
    expect([durationLabel(0), durationLabel(2 * HOUR), durationLabel(30 * MIN)]).to.deep.equal(['0ms', '2h', '30m']);
    expect(ageBuckets(2 * HOUR, HOUR).map((b) => b.label)).to.deep.equal(['1h', '2h']);
    const h = harness();
    const run = h.run();
    h.spots.offer(verifiedReport(run, h.now()));
    h.loki.held.add(run.traceId);
    h.advance(15 * MIN);
    await h.tick();
    expect(h.results.map((r) => r.age)).to.deep.equal(['15m', '15m']);
    h.advance(4 * HOUR - 15 * MIN); // exactly the horizon: still kept
    h.results.length = 0;
    await h.tick();
    expect([h.spots.kept.length, h.results.map((r) => r.age)]).to.deep.equal([1, ['4h', '4h']]);
  });

  it('keeps a run exactly one spot interval after the last, with the signals it verified; none when spot checks are off', () => {
    const h = harness();
    const first = h.run();
    h.spots.offer(verifiedReport(first, h.now()));
    h.advance(15 * MIN);
    const second = h.run();
    const report = verifiedReport(second, h.now());
    const skippedMetric = {
      ...report,
      verdicts: {
        ...report.verdicts,
        metric: { signal: 'metric', outcome: 'skipped', reason: 'disabled', at: new Date(h.now()) },
      },
    } as RunReport;
    h.spots.offer(skippedMetric);
    expect(h.spots.kept.map((k) => [k.run.id, Object.keys(k.verifiedAtMs)])).to.deep.equal([
      [first.id, ['log', 'trace', 'metric']],
      [second.id, ['log', 'trace']],
    ]);
    const off = harness({ spotIntervalMs: 0 });
    off.spots.offer(verifiedReport(off.run(), off.now()));
    expect(off.spots.kept).to.deep.equal([]);
  });

  it('re-reads only the signals a run verified; a failure that is not a read error is query_failed', async () => {
    const h = harness();
    const run = h.run();
    h.spots.restore([{ run, verifiedAtMs: { trace: h.now() } }]);
    h.tempo.reader.recheck = () => Promise.reject(new Error('socket hang up'));
    await h.tick();
    expect(h.results.map((r) => [r.signal, r.outcome, r.reason, r.detail])).to.deep.equal([
      ['trace', 'error', 'query_failed', 'socket hang up'],
    ]);
  });

  it('the re-read timer: jittered ±10 %, never armed with nothing to re-read or an interval of 0, and a re-read never overlaps the last', async () => {
    expect([harness({ random: () => 0 }).armed, harness({ random: () => 1 }).armed]).to.deep.equal([
      [0.9 * MIN],
      [1.1 * MIN],
    ]);
    expect([harness({ recheckIntervalMs: 0 }).armed, harness({ stores: false }).armed]).to.deep.equal([[], []]);

    const h = harness();
    const run = h.run();
    h.spots.offer(verifiedReport(run, h.now()));
    let release: () => void = () => undefined;
    let reads = 0;
    h.loki.reader.recheck = () => ((reads += 1), new Promise<boolean>((resolve) => (release = () => resolve(true))));
    h.timer()!();
    expect([reads, h.armed.length]).to.deep.equal([1, 1]); // re-reading; the next timer is armed only after it
    h.timer()!(); // fires again while the re-read is under way: re-armed, not read twice
    expect([reads, h.armed.length]).to.deep.equal([1, 2]);
    release();
    await h.settle();
    expect([h.results.filter((r) => r.signal === 'log').map((r) => r.outcome), h.armed.length]).to.deep.equal([
      ['found'],
      3,
    ]);
  });

  it('stop clears the timer, and a re-read already due reads nothing and arms no other', async () => {
    const h = harness();
    const run = h.run();
    h.spots.offer(verifiedReport(run, h.now()));
    const due = h.timer()!;
    h.spots.stop();
    expect(h.cleared()).to.equal(1);
    due();
    await h.settle();
    expect([h.results, h.armed.length]).to.deep.equal([[], 1]);
  });
});
