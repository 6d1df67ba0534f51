import { expect } from 'chai';
import { ReadError, type Failure, type PolledReader, type Reader, type StreamReader } from '../../src/readers/types';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import type { SmokeRun } from '../../src/smoke/types';
import { Pending } from '../../src/verify/pending';
import { PendingRuns } from '../../src/verify/pendingRuns';
import { createSignalVerifier } from '../../src/verify/signalVerifier';
import type { Finding } from '../../src/verify/types';
import type { Backend } from '../../src/vocabulary';
import { fakePorts, type Hit } from '../support/fakes';
import { armedIntervals } from '../support/timers';

/** A reader whose answers the test sets: per trace id found or a failure, or the whole read failing. */
function scripted(backend: Backend, kind: 'polled' | 'stream' = 'polled') {
  const answers = new Map<string, Hit>();
  const state = {
    reads: 0,
    sizes: [] as number[],
    fail: undefined as Error | undefined,
    closed: false,
    standing: undefined as Failure | undefined,
  };
  let nextRead: (() => void) | undefined;
  const read: PolledReader['read'] = (waiting, report) => {
    state.reads += 1;
    state.sizes.push(waiting.size);
    nextRead?.();
    if (state.fail) return Promise.reject(state.fail);
    for (const run of waiting.runs()) {
      const hit = answers.get(run.traceId);
      if (hit) report(run, hit === 'found' ? undefined : hit);
    }
    return Promise.resolve();
  };
  const base = {
    backend,
    asked: `the ${backend}`,
    missingReason: 'not_found' as const,
    read,
    close: async () => void (state.closed = true),
  };
  const reader: PolledReader | StreamReader =
    kind === 'polled' ? { kind, ...base } : { kind, ...base, standingFailure: () => state.standing };
  /** Resolves at the start of the next read (an event, not a sleep). */
  const nextReadStarts = () => new Promise<void>((resolve) => (nextRead = resolve));
  return { reader, answers, state, nextReadStarts };
}

const runs = (n: number): SmokeRun[] => {
  const run = createSmokeRunner(fakePorts().ports);
  return Array.from({ length: n }, () => run('schedule'));
};

/**
 * A verifier of the log signal on a monotonic clock the test moves; findings by run id, `all` once
 * `expected` arrived. The test's runs wait in a set of pending runs, as the judge's do.
 */
function verifierOf(readers: readonly Reader[], pollMs: number, expected = 0) {
  let mono = 10_000;
  const findings = new Map<string, Finding>();
  let arrived: () => void = () => {};
  const all = new Promise<void>((resolve) => (arrived = resolve));
  const pending = new PendingRuns({ timeoutMs: 3_600_000, mono: () => mono, onExpire: () => undefined });
  const verifier = createSignalVerifier({
    signal: 'log',
    readers,
    pollMs,
    mono: () => mono,
    pending,
    onFinding: (run, finding) => {
      run.decide('log', finding, Date.now());
      pending.delete(run);
      findings.set(run.id, finding);
      if (findings.size === expected) arrived();
    },
  });
  /** The pending entry of a run, made when first asked for. */
  const entryOf = (run: SmokeRun) => pending.get(run.traceId) ?? new Pending(run, mono);
  return {
    verifier,
    findings,
    all,
    /** Starts waiting for a run that started now, on the test's clock. */
    verify: (run: SmokeRun, confirmed?: readonly boolean[]) => {
      const entry = new Pending(run, mono);
      pending.add(entry);
      verifier.verify(entry, confirmed);
    },
    expire: (run: SmokeRun) => {
      const entry = entryOf(run);
      pending.delete(entry);
      return verifier.expire(entry);
    },
    progress: (run: SmokeRun) => verifier.progress(entryOf(run)),
    advance: (ms: number) => (mono += ms),
  };
}

describe('signal verifier', () => {
  it('one read per poll serves every waiting run; a found run is verified with its lag on the monotonic clock, and its backend', async () => {
    const file = scripted('file');
    const { verifier, verify, findings, all, advance } = verifierOf([file.reader], 5, 50);
    const batch = runs(50);
    for (const run of batch) verify(run);
    advance(250);
    for (const run of batch) file.answers.set(run.traceId, 'found');
    await all;
    expect(file.state.sizes).to.deep.equal([50]);
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
    const { verifier, verify, findings, all, advance } = verifierOf([acks.reader, store.reader], 5, 2);
    const [good, refused] = runs(2) as [SmokeRun, SmokeRun];
    verify(good);
    verify(refused);
    acks.answers.set(good.traceId, 'found');
    acks.answers.set(refused.traceId, { reason: 'export_failed', detail: 'HTTP 503' });
    advance(1000);
    store.answers.set(good.traceId, 'found');
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
    const tail = scripted('file', 'stream');
    const tailReader: StreamReader = {
      ...(tail.reader as StreamReader),
      read: (waiting, report) => {
        // What a file tail does: match each line it reads against every run not yet found here.
        for (const [traceId, hit] of tail.answers) {
          const run = waiting.get(traceId);
          if (run) report(run, hit === 'found' ? undefined : hit);
        }
        tail.answers.clear();
        return Promise.resolve();
      },
    };
    const { verifier, verify, findings, all, advance } = verifierOf([acks.reader, tailReader], 5, 2);
    const [early, run] = runs(2) as [SmokeRun, SmokeRun];
    verify(early);
    verify(run);
    // The first run is acknowledged, so the tail is read; it reads both lines, the second run's
    // while that run still waits for its acknowledgement.
    acks.answers.set(early.traceId, 'found');
    tail.answers.set(early.traceId, 'found');
    tail.answers.set(run.traceId, 'found');
    await acks.nextReadStarts();
    await acks.nextReadStarts();
    expect([...findings.keys()]).to.deep.equal([early.id]);
    advance(300);
    acks.answers.set(run.traceId, 'found');
    await all;
    expect(findings.get(run.id)).to.deep.equal({
      outcome: 'verified',
      reason: 'none',
      lagSeconds: 0.3,
      backend: 'file',
    });
    await verifier.stop();
  });

  it('at the deadline: missing at the hop that never found it, naming what it asked; or the reason its last read failed', async () => {
    const acks = scripted('exporter');
    const store = scripted('prometheus');
    const { verifier, verify, expire } = verifierOf([acks.reader, store.reader], 5);
    const [stuck, lost] = runs(2) as [SmokeRun, SmokeRun];
    verify(stuck);
    verify(lost);
    acks.answers.set(lost.traceId, 'found');
    await store.nextReadStarts();
    expect(expire(stuck)).to.deep.equal({
      outcome: 'missing',
      reason: 'not_found',
      backend: 'exporter',
      detail: 'asked the exporter',
    });
    store.state.fail = new ReadError('query_failed', 'HTTP 503\u001b[31m: down');
    await store.nextReadStarts();
    await store.nextReadStarts(); // reads never overlap: the failing one has settled
    expect(expire(lost)).to.deep.equal({
      outcome: 'error',
      reason: 'query_failed',
      backend: 'prometheus',
      detail: 'HTTP 503 [31m: down',
    });
    expect(verifier.waiting).to.equal(0);
    await verifier.stop();
  });

  it('a standing failure fails a run at once and at its deadline (the log file cannot be written)', async () => {
    const file = scripted('file', 'stream');
    const { verifier, verify, findings, expire } = verifierOf([file.reader], 5);
    const [before, during] = runs(2) as [SmokeRun, SmokeRun];
    verify(before);
    file.state.standing = { reason: 'write_failed' };
    verify(during);
    expect(findings.get(during.id)).to.deep.equal({ outcome: 'error', reason: 'write_failed', backend: 'file' });
    expect(expire(before)).to.deep.equal({ outcome: 'error', reason: 'write_failed', backend: 'file' });
    await verifier.stop();
  });

  it('does not read while nothing waits, and stop ends polling', async () => {
    const file = scripted('file');
    const intervals = armedIntervals();
    const { verifier, verify } = verifierOf([file.reader], 1);
    expect(intervals.armed.size).to.equal(1);
    await intervals.ticks(20);
    expect(file.state.reads, 'twenty idle polls').to.equal(0);
    await verifier.stop();
    expect(intervals.armed.size, 'the poll timer is cleared').to.equal(0);
    verify(runs(1)[0]!);
    await Promise.resolve();
    expect(file.state.reads).to.equal(0);
  });

  describe('driven by readNow (the poll timer never fires)', () => {
    const POLL_NEVER = 3_600_000;

    it('needs a reader; expiring a run it does not hold is a plain timeout', async () => {
      expect(() => verifierOf([], POLL_NEVER)).to.throw(RangeError, 'a signal verifier needs at least one reader');
      const { verifier, expire } = verifierOf([scripted('file').reader], POLL_NEVER);
      expect(expire(runs(1)[0]!)).to.deep.equal({ outcome: 'missing', reason: 'timeout' });
      await verifier.stop();
    });

    it('a later polled hop reads only once a run reached it; a later stream hop reads for every run still waiting', async () => {
      for (const kind of ['polled', 'stream'] as const) {
        const acks = scripted('exporter');
        const later = scripted('file', kind);
        const { verifier, verify } = verifierOf([acks.reader, later.reader], POLL_NEVER);
        verify(runs(1)[0]!);
        await verifier.readNow();
        expect([acks.state.reads, later.state.reads], kind).to.deep.equal([1, kind === 'stream' ? 1 : 0]);
        await verifier.stop();
      }
    });

    it('a run failed at a hop leaves it: the next read sees only the runs still waiting, and progress is gone', async () => {
      const acks = scripted('exporter');
      const { verifier, verify, findings, progress } = verifierOf([acks.reader, scripted('tempo').reader], POLL_NEVER);
      const [failing, waiting] = runs(2) as [SmokeRun, SmokeRun];
      verify(failing);
      verify(waiting);
      expect(progress(waiting)).to.deep.equal([false, false]);
      acks.answers.set(failing.traceId, { reason: 'export_failed' });
      await verifier.readNow();
      await verifier.readNow();
      expect(acks.state.sizes).to.deep.equal([2, 1]);
      expect([findings.get(failing.id)?.reason, progress(failing), verifier.waiting]).to.deep.equal([
        'export_failed',
        undefined,
        1,
      ]);
      acks.answers.set(waiting.traceId, 'found');
      await verifier.readNow();
      expect(progress(waiting)).to.deep.equal([true, false]);
      await verifier.stop();
    });

    it('a run restored with its first hop confirmed starts at the next one', async () => {
      const acks = scripted('exporter');
      const store = scripted('tempo');
      const { verifier, verify, findings } = verifierOf([acks.reader, store.reader], POLL_NEVER);
      const [run] = runs(1) as [SmokeRun];
      verify(run, [true, false]);
      store.answers.set(run.traceId, 'found');
      await verifier.readNow();
      expect(acks.state.sizes, 'the first hop has no run left to ask about').to.deep.equal([]);
      expect(findings.get(run.id)).to.include({ outcome: 'verified', backend: 'tempo' });
      await verifier.stop();
    });

    it('a failed read is the reason at the deadline until a read works again; any error is query_failed unless it says otherwise', async () => {
      const store = scripted('prometheus');
      const { verifier, verify, expire } = verifierOf([store.reader], POLL_NEVER);
      const [first, second] = runs(2) as [SmokeRun, SmokeRun];
      verify(first);
      verify(second);
      store.state.fail = new Error('socket hang up');
      await verifier.readNow();
      expect(expire(first)).to.deep.equal({
        outcome: 'error',
        reason: 'query_failed',
        backend: 'prometheus',
        detail: 'socket hang up',
      });
      store.state.fail = undefined;
      await verifier.readNow();
      expect(expire(second)).to.deep.equal({
        outcome: 'missing',
        reason: 'not_found',
        backend: 'prometheus',
        detail: 'asked the prometheus',
      });
      await verifier.stop();
    });

    it('a stream no longer offers a run it has confirmed; an echo of it changes nothing', async () => {
      const acks = scripted('log_exporter');
      const seen: (string | undefined)[] = [];
      const [run] = runs(1) as [SmokeRun];
      let lines = 0;
      const tail: StreamReader = {
        kind: 'stream',
        backend: 'file',
        asked: 'the file',
        missingReason: 'not_found',
        standingFailure: () => undefined,
        read: (waiting, report) => {
          seen.push(waiting.get(run.traceId)?.id);
          for (; lines > 0; lines -= 1) report(run);
          return Promise.resolve();
        },
      };
      const { verifier, verify, findings, advance } = verifierOf([acks.reader, tail], POLL_NEVER);
      verify(run);
      advance(100);
      lines = 2; // the line, and the same line again
      await verifier.readNow();
      await verifier.readNow();
      expect(seen).to.deep.equal([run.id, undefined]);
      advance(100);
      acks.answers.set(run.traceId, 'found');
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
      const { verifier, verify } = verifierOf([file.reader], POLL_NEVER);
      verify(runs(1)[0]!);
      await verifier.stop();
      expect(verifier.waiting).to.equal(0);
      await verifier.readNow();
      expect(file.state.reads).to.equal(0);
    });
  });
});
