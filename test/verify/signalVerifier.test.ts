import { expect } from 'chai';
import { ReadError, type Hit, type Reader } from '../../src/readers/types';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import type { SmokeRun } from '../../src/smoke/types';
import { createSignalVerifier } from '../../src/verify/signalVerifier';
import type { Finding } from '../../src/verify/types';
import type { Backend } from '../../src/vocabulary';
import { fakePorts } from '../support/fakes';
import { armedIntervals } from '../support/timers';

/** A reader whose answers the test sets: per trace id a hit, or the whole read failing. */
function scripted(backend: Backend) {
  const answers = new Map<string, Hit>();
  const state = {
    reads: 0,
    sizes: [] as number[],
    fail: undefined as Error | undefined,
    closed: false,
    standing: undefined as { reason: 'write_failed' } | undefined,
  };
  let nextRead: (() => void) | undefined;
  const reader: Reader = {
    backend,
    missingReason: 'not_found',
    read(waiting, report) {
      state.reads += 1;
      state.sizes.push(waiting.size);
      nextRead?.();
      if (state.fail) return Promise.reject(state.fail);
      for (const run of waiting.runs()) {
        const hit = answers.get(run.traceId);
        if (hit) report(run, hit);
      }
      return Promise.resolve();
    },
    standingFailure: () => state.standing,
    close: async () => void (state.closed = true),
  };
  /** Resolves at the start of the next read (an event, not a sleep). */
  const read = () => new Promise<void>((resolve) => (nextRead = resolve));
  return { reader, answers, state, read };
}

const runs = (n: number): SmokeRun[] => {
  const run = createSmokeRunner(fakePorts().ports);
  return Array.from({ length: n }, () => run('schedule'));
};
/** Findings by run id; `all` resolves once `expected` have arrived. */
const collect = (expected = 0) => {
  const findings = new Map<string, Finding>();
  let arrived: () => void = () => {};
  const all = new Promise<void>((resolve) => (arrived = resolve));
  const done = (run: SmokeRun) => (f: Finding) => {
    findings.set(run.id, f);
    if (findings.size === expected) arrived();
  };
  return { findings, done, all };
};

describe('signal verifier', () => {
  it('one read per poll serves every waiting run; a found run is verified with its lag and backend', async () => {
    const file = scripted('file');
    const verifier = createSignalVerifier({ readers: [file.reader], pollMs: 5 });
    const { findings, done, all } = collect(50);
    const batch = runs(50);
    for (const run of batch) verifier.verify(run, done(run));
    for (const run of batch) file.answers.set(run.traceId, { atMs: run.startedAt.getTime() + 250 });
    await all;
    expect(file.state.sizes).to.deep.equal([50]);
    expect(findings.size).to.equal(50);
    expect(findings.get(batch[7]!.id)).to.deep.equal({
      outcome: 'verified',
      reason: 'none',
      lagSeconds: 0.25,
      backend: 'file',
    });
    expect(verifier.waiting).to.equal(0);
    await verifier.stop();
    expect(file.state.closed).to.equal(true);
  });

  it('a chain: found at the first hop moves the run on; the last hop verifies; a hop that fails it names itself', async () => {
    const acks = scripted('exporter');
    const store = scripted('trace_api');
    const verifier = createSignalVerifier({ readers: [acks.reader, store.reader], pollMs: 5 });
    const { findings, done, all } = collect(2);
    const [good, refused] = runs(2) as [SmokeRun, SmokeRun];
    verifier.verify(good, done(good));
    verifier.verify(refused, done(refused));
    acks.answers.set(good.traceId, { atMs: Date.now() });
    acks.answers.set(refused.traceId, { reason: 'export_failed', detail: 'HTTP 503' });
    store.answers.set(good.traceId, { atMs: good.startedAt.getTime() + 1000 });
    await all;
    expect(findings.get(refused.id)).to.deep.equal({
      outcome: 'error',
      reason: 'export_failed',
      backend: 'exporter',
      detail: 'HTTP 503',
    });
    expect(findings.get(good.id)).to.deep.equal({
      outcome: 'verified',
      reason: 'none',
      lagSeconds: 1,
      backend: 'trace_api',
    });
    await verifier.stop();
  });

  it('hops confirm in any order: a stream at a later hop matches a run still waiting at an earlier one', async () => {
    const acks = scripted('log_exporter');
    const tail = scripted('file');
    const tailReader: Reader = {
      ...tail.reader,
      stream: true,
      read: (waiting, report) => {
        // What a file tail does: match each line it reads against every run not yet found here.
        for (const [traceId, hit] of tail.answers) {
          const run = waiting.get(traceId);
          if (run) report(run, hit);
        }
        tail.answers.clear();
        return Promise.resolve();
      },
    };
    const verifier = createSignalVerifier({ readers: [acks.reader, tailReader], pollMs: 5 });
    const { findings, done, all } = collect(2);
    const [early, run] = runs(2) as [SmokeRun, SmokeRun];
    verifier.verify(early, done(early));
    verifier.verify(run, done(run));
    // The first run is acknowledged, so the tail is read; it reads both lines, the second run's
    // while that run still waits for its acknowledgement.
    acks.answers.set(early.traceId, { atMs: early.startedAt.getTime() + 50 });
    tail.answers.set(early.traceId, { atMs: early.startedAt.getTime() + 100 });
    tail.answers.set(run.traceId, { atMs: run.startedAt.getTime() + 100 });
    await acks.read();
    await acks.read();
    expect([...findings.keys()]).to.deep.equal([early.id]);
    acks.answers.set(run.traceId, { atMs: run.startedAt.getTime() + 300 });
    await all;
    expect(findings.get(run.id)).to.deep.equal({
      outcome: 'verified',
      reason: 'none',
      lagSeconds: 0.3,
      backend: 'file',
    });
    await verifier.stop();
  });

  it('at the deadline: missing at the hop that never found it, or the reason its last read failed', async () => {
    const acks = scripted('exporter');
    const store = scripted('prometheus');
    const verifier = createSignalVerifier({ readers: [acks.reader, store.reader], pollMs: 5 });
    const [stuck, lost] = runs(2) as [SmokeRun, SmokeRun];
    verifier.verify(stuck, () => expect.fail('no answer expected'));
    verifier.verify(lost, () => expect.fail('no answer expected'));
    acks.answers.set(lost.traceId, { atMs: Date.now() });
    await store.read();
    expect(verifier.expire(stuck)).to.deep.equal({ outcome: 'missing', reason: 'not_found', backend: 'exporter' });
    store.state.fail = new ReadError('query_failed', 'HTTP 503\u001b[31m: down');
    await store.read();
    await store.read(); // reads never overlap: the failing one has settled
    expect(verifier.expire(lost)).to.deep.equal({
      outcome: 'error',
      reason: 'query_failed',
      backend: 'prometheus',
      detail: 'HTTP 503 [31m: down',
    });
    expect(verifier.waiting).to.equal(0);
    await verifier.stop();
  });

  it('a standing failure fails a run at once and at its deadline (the log file cannot be written)', async () => {
    const file = scripted('file');
    const verifier = createSignalVerifier({ readers: [file.reader], pollMs: 5 });
    const { findings, done } = collect();
    const [before, during] = runs(2) as [SmokeRun, SmokeRun];
    verifier.verify(before, done(before));
    file.state.standing = { reason: 'write_failed' };
    verifier.verify(during, done(during));
    expect(findings.get(during.id)).to.deep.equal({ outcome: 'error', reason: 'write_failed', backend: 'file' });
    expect(verifier.expire(before)).to.deep.equal({ outcome: 'error', reason: 'write_failed', backend: 'file' });
    await verifier.stop();
  });

  it('does not read while nothing waits, and stop ends polling', async () => {
    const file = scripted('file');
    const intervals = armedIntervals();
    const verifier = createSignalVerifier({ readers: [file.reader], pollMs: 1 });
    expect(intervals.armed.size).to.equal(1);
    await intervals.ticks(20);
    expect(file.state.reads, 'twenty idle polls').to.equal(0);
    await verifier.stop();
    expect(intervals.armed.size, 'the poll timer is cleared').to.equal(0);
    verifier.verify(runs(1)[0]!, () => {});
    await Promise.resolve();
    expect(file.state.reads).to.equal(0);
  });

  describe('driven by readNow (the poll timer never fires)', () => {
    const POLL_NEVER = 3_600_000;

    it('needs a reader; expiring a run it does not hold is a plain timeout', async () => {
      expect(() => createSignalVerifier({ readers: [], pollMs: POLL_NEVER })).to.throw(
        RangeError,
        'a signal verifier needs at least one reader',
      );
      const verifier = createSignalVerifier({ readers: [scripted('file').reader], pollMs: POLL_NEVER });
      expect(verifier.expire(runs(1)[0]!)).to.deep.equal({ outcome: 'missing', reason: 'timeout' });
      await verifier.stop();
    });

    it('a later query hop reads only once a run reached it; a later stream hop reads for every run still waiting', async () => {
      for (const stream of [false, true]) {
        const acks = scripted('exporter');
        const later = scripted('file');
        const verifier = createSignalVerifier({
          readers: [acks.reader, { ...later.reader, stream }],
          pollMs: POLL_NEVER,
        });
        verifier.verify(runs(1)[0]!, () => undefined);
        await verifier.readNow();
        expect([acks.state.reads, later.state.reads], `stream: ${stream}`).to.deep.equal([1, stream ? 1 : 0]);
        await verifier.stop();
      }
    });

    it('a run failed at a hop leaves it: the next read sees only the runs still waiting, and progress is gone', async () => {
      const acks = scripted('exporter');
      const verifier = createSignalVerifier({ readers: [acks.reader, scripted('tempo').reader], pollMs: POLL_NEVER });
      const [failing, waiting] = runs(2) as [SmokeRun, SmokeRun];
      const { findings, done } = collect();
      verifier.verify(failing, done(failing));
      verifier.verify(waiting, done(waiting));
      expect(verifier.progress(waiting)).to.deep.equal([undefined, undefined]);
      acks.answers.set(failing.traceId, { reason: 'export_failed' });
      await verifier.readNow();
      await verifier.readNow();
      expect(acks.state.sizes).to.deep.equal([2, 1]);
      expect([findings.get(failing.id)?.reason, verifier.progress(failing), verifier.waiting]).to.deep.equal([
        'export_failed',
        undefined,
        1,
      ]);
      acks.answers.set(waiting.traceId, { atMs: 42 });
      await verifier.readNow();
      expect(verifier.progress(waiting)).to.deep.equal([42, undefined]);
      await verifier.stop();
    });

    it('a failed read is the reason at the deadline until a read works again; any error is query_failed unless it says otherwise', async () => {
      const store = scripted('prometheus');
      const verifier = createSignalVerifier({ readers: [store.reader], pollMs: POLL_NEVER });
      const [first, second] = runs(2) as [SmokeRun, SmokeRun];
      verifier.verify(first, () => undefined);
      verifier.verify(second, () => undefined);
      store.state.fail = new Error('socket hang up');
      await verifier.readNow();
      expect(verifier.expire(first)).to.deep.equal({
        outcome: 'error',
        reason: 'query_failed',
        backend: 'prometheus',
        detail: 'socket hang up',
      });
      store.state.fail = undefined;
      await verifier.readNow();
      expect(verifier.expire(second)).to.deep.equal({ outcome: 'missing', reason: 'not_found', backend: 'prometheus' });
      await verifier.stop();
    });

    it('a stream no longer offers a run it has confirmed; an echo of it changes nothing', async () => {
      const acks = scripted('log_exporter');
      const seen: (SmokeRun | undefined)[] = [];
      const [run] = runs(1) as [SmokeRun];
      let hits: Hit[] = [];
      const tail: Reader = {
        backend: 'file',
        missingReason: 'not_found',
        stream: true,
        read: (waiting, report) => {
          seen.push(waiting.get(run.traceId));
          for (const hit of hits) report(run, hit);
          hits = [];
          return Promise.resolve();
        },
      };
      const verifier = createSignalVerifier({ readers: [acks.reader, tail], pollMs: POLL_NEVER });
      const { findings, done } = collect();
      verifier.verify(run, done(run));
      const start = run.startedAt.getTime();
      hits = [{ atMs: start + 100 }, { atMs: start + 900 }]; // the line, and the same line again
      await verifier.readNow();
      await verifier.readNow();
      expect(seen).to.deep.equal([run, undefined]);
      acks.answers.set(run.traceId, { atMs: start + 200 });
      await verifier.readNow();
      expect(findings.get(run.id)).to.deep.equal({
        outcome: 'verified',
        reason: 'none',
        lagSeconds: 0.2,
        backend: 'file',
      });
      await verifier.stop();
    });

    it('after stop nothing waits and nothing is read, not even by readNow', async () => {
      const file = scripted('file');
      const verifier = createSignalVerifier({ readers: [file.reader], pollMs: POLL_NEVER });
      verifier.verify(runs(1)[0]!, () => undefined);
      await verifier.stop();
      expect(verifier.waiting).to.equal(0);
      await verifier.readNow();
      expect(file.state.reads).to.equal(0);
    });
  });
});
