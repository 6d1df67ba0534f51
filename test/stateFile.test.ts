import { existsSync, lstatSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createSmokeRunner } from '../src/smoke/runSmokeTest';
import type { SmokeRun } from '../src/smoke/types';
import { readState, STATE_VERSION, StateFileError, writeState, type PipelineState } from '../src/stateFile';
import { keepState, KEEP_SET_ASIDE, restoreState } from '../src/stateKeeper';
import type { PendingRun } from '../src/verify/judge';
import { EVENT } from '../src/vocabulary';
import { memoryLogger } from './support/app';
import { fakePorts } from './support/fakes';
import { tmpDir } from './support/tmp';

const ASKED = { log: ['file: the lines of ./x.log'], trace: ['exporter: acks'], metric: ['self: its own /metrics'] };
const pipeline = (pending: PendingRun[], over: Partial<PipelineState> = {}): PipelineState => ({
  pipeline: 'default',
  asked: ASKED,
  pending,
  spotChecks: [],
  ...over,
});
const write = (file: string, pipelines: PipelineState[], service = 'petsage-smoke') =>
  writeState(file, { service, processId: 'aaaa1111', pipelines }, Date.now());
/** Limits that keep everything, with the time of the read (a start more than the skew after it is dropped). */
const roomy = () => ({ now: Date.now(), skewMs: 60_000, room: () => 1000, maxSpotRuns: 100 });

describe('state file', () => {
  const runs = (n: number, trigger: 'api' | 'schedule' = 'schedule'): SmokeRun[] => {
    const run = createSmokeRunner(fakePorts().ports);
    return Array.from({ length: n }, () => run(trigger));
  };

  it('round-trips pending runs (verdicts, per-hop progress), spot-check runs and the log tail; restored runs name their process', async () => {
    const gate = createSmokeRunner(fakePorts().ports)('api', { id: 'deploy-1' });
    const [scheduled] = runs(1);
    const file = path.join(tmpDir(), 'state', 'petsage-smoke.json');
    const at = new Date(gate.startedAt.getTime() + 100);
    const bytes = await write(file, [
      pipeline(
        [
          {
            run: gate,
            verdicts: {
              log: { signal: 'log', outcome: 'verified', reason: 'none', lagSeconds: 0.1, at, backend: 'file' },
            },
            progress: { trace: [true, false] },
          },
        ],
        { spotChecks: [{ run: scheduled!, verifiedAtMs: { log: 1, trace: 2 } }], logTail: { ino: 42, offset: 1234 } },
      ),
    ]);
    expect(bytes).to.equal(readFileSync(file).length);
    expect(readdirSync(path.dirname(file))).to.deep.equal(['petsage-smoke.json']); // the temporary file was renamed
    const { service, pipelines } = await readState(file, { ...roomy(), now: 999 + Date.now() });
    const p = pipelines.get('default')!;
    expect([service, p.asked, p.logTail, p.dropped]).to.deep.equal([
      'petsage-smoke',
      ASKED,
      { ino: 42, offset: 1234 },
      0,
    ]);
    const [pending] = p.pending;
    expect(pending!.run).to.deep.include({
      id: 'deploy-1',
      traceId: gate.traceId,
      seq: gate.seq,
      trigger: 'api',
      pipeline: 'default',
      process: 'aaaa1111',
    });
    expect(pending!.run.startedAt.getTime()).to.equal(gate.startedAt.getTime());
    expect(pending!.verdicts.log).to.deep.include({ outcome: 'verified', lagSeconds: 0.1, backend: 'file' });
    expect(pending!.progress.trace).to.deep.equal([true, false]);
    expect(p.spotChecks[0]!.verifiedAtMs).to.deep.equal({ log: 1, trace: 2 });
  });

  it('restores at most the room each kind of run has, the newest (written first); the rest are counted, not built', async () => {
    const file = path.join(tmpDir(), 'state.json');
    const others = runs(5);
    const gates = runs(3, 'api');
    const newestFirst = (list: SmokeRun[]) => [...list].reverse().map((run) => ({ run, verdicts: {}, progress: {} }));
    await write(file, [pipeline([...newestFirst(gates), ...newestFirst(others)])]);
    const { pipelines } = await readState(file, { ...roomy(), room: (_p, room) => (room === 'api' ? 1 : 2) });
    const p = pipelines.get('default')!;
    expect(p.pending.map((x) => x.run.seq)).to.deep.equal([gates[2]!.seq, others[4]!.seq, others[3]!.seq]);
    expect(p.dropped).to.equal(5);
  });

  it('a run starting in the future (beyond the skew) or with an id that is not a run id is dropped, never judged', async () => {
    const file = path.join(tmpDir(), 'state.json');
    const [ok, future] = runs(2);
    await write(file, [
      pipeline(
        [ok!, { ...future!, startedAt: new Date('2099-01-01T00:00:00Z') }].map((run) => ({
          run,
          verdicts: {},
          progress: {},
        })),
      ),
    ]);
    const text = readFileSync(file, 'utf8').replace(`"id":"${ok!.id}"`, '"id":"../../etc/passwd"');
    writeFileSync(file, text);
    const p = (await readState(file, roomy())).pipelines.get('default')!;
    expect([p.pending.length, p.dropped]).to.deep.equal([0, 2]);
  });

  it('a truncated, garbage or other-version file is not a state: StateFileError', async () => {
    const dir = tmpDir();
    const good = path.join(dir, 'good.json');
    await write(good, [pipeline([])]);
    const text = readFileSync(good, 'utf8');
    for (const [name, bad] of [
      ['truncated', text.slice(0, text.lastIndexOf('{"kind":"end"'))],
      ['garbage', '\u0000\u0001 not json at all'],
      ['other-version', text.replace(`"version":${STATE_VERSION}`, '"version":1')],
    ] as const) {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, bad);
      const err = await readState(file, roomy()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, name).to.be.instanceOf(StateFileError);
    }
  });

  it('the temporary file is made anew for each write: a link planted at its name is replaced, its target never written', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'state.json');
    const victim = path.join(dir, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, `${file}.tmp`);
    await write(file, [pipeline([])]);
    expect(readFileSync(victim, 'utf8')).to.equal('precious');
    expect(lstatSync(file).isSymbolicLink()).to.equal(false);
    expect(existsSync(`${file}.tmp`)).to.equal(false);
  });

  describe('restoring', () => {
    const expected = (asked = ASKED) => ({
      service: 'petsage-smoke',
      pipelines: new Map([['default', { asked, rooms: { api: 10, other: 10 } }]]),
    });
    const restore = (file: string, exp = expected(), now: () => number = Date.now) => {
      const { logger, lines } = memoryLogger();
      const warnings: string[] = [];
      return restoreState(file, exp, { now, logger, warn: (l) => warnings.push(l) }).then((restored) => ({
        restored,
        warnings,
        lines,
      }));
    };

    it('no file: nothing to restore, no warning', async () => {
      const { restored, warnings } = await restore(path.join(tmpDir(), 'absent.json'));
      expect([restored, warnings]).to.deep.equal([undefined, []]);
    });

    it('a file that cannot be read back is set aside with a warning, and the daemon starts clean', async () => {
      const file = path.join(tmpDir(), 'state.json');
      writeFileSync(file, 'garbage');
      const { restored, warnings, lines } = await restore(file);
      expect(restored).to.equal(undefined);
      expect(warnings[0]).to.match(
        /state file .* could not be read back \(not JSON\); set aside as .*state\.json\.unreadable-/,
      );
      expect(existsSync(file)).to.equal(false);
      expect(lines()[0]).to.include({ event: EVENT.stateUnreadable });
    });

    it('state written by another service, or a pipeline read back otherwise than now, is set aside and never judged', async () => {
      const dir = tmpDir();
      const other = path.join(dir, 'other.json');
      await write(other, [pipeline(runs(1).map((run) => ({ run, verdicts: {}, progress: {} })))], 'someone-else');
      const a = await restore(other);
      expect(a.restored).to.equal(undefined);
      expect(a.warnings[0]).to.match(/was written by another service \(someone-else\)/);

      const moved = path.join(dir, 'moved.json');
      await write(moved, [pipeline(runs(1).map((run) => ({ run, verdicts: {}, progress: {} })))]);
      const b = await restore(
        moved,
        expected({ ...ASKED, metric: ['prometheus: http://prom:9090/api/v1/query for …'] }),
      );
      expect(b.restored?.size).to.equal(0);
      expect(b.warnings[0]).to.match(/holds pipelines read back otherwise than now \(default\)/);
      expect(readdirSync(dir).some((f) => f.startsWith('moved.json.set-aside-'))).to.equal(true);
    });

    it(`keeps the newest ${KEEP_SET_ASIDE} copies set aside: a config that keeps changing cannot fill the disk`, async () => {
      const dir = tmpDir();
      const file = path.join(dir, 'state.json');
      const old = ['unreadable-2020-01-01T00-00-00-000Z', 'set-aside-2020-01-02T00-00-00-000Z'];
      for (const suffix of old) writeFileSync(`${file}.${suffix}`, 'old');
      writeFileSync(path.join(dir, 'other.json.set-aside-2020-01-01T00-00-00-000Z'), "not this file's");
      let at = Date.parse('2026-01-01T00:00:00Z');
      for (let n = 0; n < KEEP_SET_ASIDE + 1; n += 1) {
        writeFileSync(file, `garbage ${n}`);
        await restore(file, expected(), () => (at += 60_000)); // each copy named by its own minute
      }
      const kept = readdirSync(dir).filter((f) => f.startsWith('state.json.'));
      expect(kept).to.have.length(KEEP_SET_ASIDE);
      expect(
        kept.some((f) => f.includes('2020-')),
        'the oldest removed first',
      ).to.equal(false);
      expect(readdirSync(dir), "another file's copies are not touched").to.include(
        'other.json.set-aside-2020-01-01T00-00-00-000Z',
      );
    });
  });

  describe('keeping', () => {
    it('never queues an interval write behind one still under way; the drain write comes after it', async () => {
      const { logger } = memoryLogger();
      const calls: ((bytes: number) => void)[] = [];
      let called = () => {};
      const nextCall = () => new Promise<void>((resolve) => (called = resolve));
      const keeper = keepState({
        path: path.join(tmpDir(), 'state.json'),
        writeIntervalMs: 3_600_000,
        service: 'petsage-smoke',
        processId: 'p',
        pipelines: () => [],
        logger,
        now: Date.now,
        writeFile: () =>
          new Promise<number>((resolve) => {
            calls.push(resolve);
            called();
          }),
      });
      let waiting = nextCall();
      keeper.due();
      await waiting;
      for (let n = 0; n < 5; n += 1) keeper.due(); // a slow disk: the interval comes round again and again
      await new Promise(setImmediate);
      expect(calls, 'one write under way, none queued').to.have.length(1);
      waiting = nextCall();
      const drain = keeper.write();
      calls[0]!(0);
      await waiting;
      expect(calls, "the drain's write, once the first is done").to.have.length(2);
      calls[1]!(0);
      await drain;
      keeper.stop();
    });
  });
});

describe('state file: its bounds and its errors', () => {
  const manyRuns = (n: number) => {
    const run = createSmokeRunner(fakePorts().ports);
    return Array.from({ length: n }, () => ({ run: run('schedule'), verdicts: {}, progress: {} }));
  };
  const failure = (file: string, limits = roomy()) =>
    readState(file, limits).then(
      () => 'read',
      (e: unknown) => (e instanceof StateFileError ? e.message : `not a StateFileError: ${String(e)}`),
    );

  it('written in slices of 500 lines: 1,001 pending runs come back whole, and the bytes returned are the file', async () => {
    const file = path.join(tmpDir(), 'state.json');
    const pending = manyRuns(1001);
    const bytes = await write(file, [pipeline(pending)]);
    expect(bytes).to.equal(readFileSync(file).length);
    const p = (await readState(file, { ...roomy(), room: () => 2000 })).pipelines.get('default')!;
    expect([p.pending.length, p.dropped, p.pending.at(-1)!.run.id]).to.deep.equal([1001, 0, pending.at(-1)!.run.id]);
  });

  it('spot-check runs up to maxSpotRuns; a run of another pipeline is never restored', async () => {
    const file = path.join(tmpDir(), 'state.json');
    const spotChecks = manyRuns(3).map(({ run }) => ({ run, verifiedAtMs: { log: 1 } }));
    await write(file, [pipeline([], { spotChecks })]);
    const p = (await readState(file, { ...roomy(), maxSpotRuns: 2 })).pipelines.get('default')!;
    expect(p.spotChecks.map((s) => s.run.id)).to.deep.equal(spotChecks.slice(0, 2).map((s) => s.run.id));
    const text = readFileSync(file, 'utf8').replaceAll('"run":{"pipeline":"default"', '"run":{"pipeline":"edge"');
    writeFileSync(file, text);
    expect((await readState(file, roomy())).pipelines.get('default')!.spotChecks).to.deep.equal([]);
  });

  it('each way a file is not a state says which: cut short, not this version (a line past 64 KiB, text after the end, a run before any pipeline), unreadable', async () => {
    const dir = tmpDir();
    const good = path.join(dir, 'good.json');
    await write(good, [pipeline(manyRuns(1))]);
    const text = readFileSync(good, 'utf8');
    const lines = text.split('\n').filter(Boolean);
    const cases: [string, string, string][] = [
      ['cut short', lines.slice(0, -1).join('\n'), 'cut short (no end line)'],
      ['a line past 64 KiB', `${lines[0]}\n${'x'.repeat(64 * 1024 + 1)}\n`, 'not a state file of this version'],
      ['after the end', `${text}${lines[1]}\n`, 'not a state file of this version'],
      ['no pipeline line', [lines[0], lines[2], lines.at(-1)].join('\n'), 'not a state file of this version'],
    ];
    for (const [name, content, message] of cases) {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, content);
      expect(await failure(file), name).to.equal(message);
    }
    expect(await failure(dir), 'a directory').to.equal('EISDIR');
    expect(await failure(good)).to.equal('read');
  });
});

describe('state file: the edges of a read', () => {
  const oneRun = () => ({ run: createSmokeRunner(fakePorts().ports)('schedule'), verdicts: {}, progress: {} });
  const failure = (file: string, limits = roomy()) =>
    readState(file, limits).then(
      () => 'read',
      (e: unknown) => (e instanceof StateFileError ? `${e.name}: ${e.message}` : `not a StateFileError: ${String(e)}`),
    );

  it('a line of exactly 64 KiB is read; an end line with more in it, or a header of another version, is not this version', async () => {
    const dir = tmpDir();
    const good = path.join(dir, 'good.json');
    await write(good, [pipeline([oneRun()])]);
    const lines = readFileSync(good, 'utf8').split('\n').filter(Boolean);
    const service = 'x'.repeat(64 * 1024 - lines[0]!.length + 'petsage-smoke'.length);
    const exact = path.join(dir, 'exact.json');
    writeFileSync(
      exact,
      [lines[0]!.replace('"petsage-smoke"', JSON.stringify(service)), ...lines.slice(1), ''].join('\n'),
    );
    expect(readFileSync(exact, 'utf8').split('\n')[0]).to.have.length(64 * 1024);
    expect((await readState(exact, roomy())).service).to.equal(service);
    const cases: [string, string][] = [
      ['end line with more', [...lines.slice(0, -1), '{"kind":"end","more":1}', ''].join('\n')],
      [
        'other version',
        [lines[0]!.replace(`"version":${STATE_VERSION}`, '"version":1'), ...lines.slice(1), ''].join('\n'),
      ],
    ];
    for (const [name, content] of cases) {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, content);
      expect(await failure(file), name).to.equal('StateFileError: not a state file of this version');
    }
  });

  it('a run starting exactly at the skew limit is kept, a millisecond later dropped', async () => {
    const file = path.join(tmpDir(), 'state.json');
    const pending = oneRun();
    await write(file, [pipeline([pending])]);
    const startedAt = pending.run.startedAt.getTime();
    const at = (now: number) =>
      readState(file, { ...roomy(), now, skewMs: 1000 }).then((s) => s.pipelines.get('default')!);
    expect((await at(startedAt - 1000)).pending).to.have.length(1);
    expect((await at(startedAt - 1001)).dropped).to.equal(1);
  });

  it('pending runs written with their keys in another order still keep to their room', async () => {
    const file = path.join(tmpDir(), 'state.json');
    await write(file, [pipeline([oneRun(), oneRun(), oneRun()])]);
    const reordered = readFileSync(file, 'utf8')
      .split('\n')
      .map((text) => {
        if (!text.startsWith('{"kind":"pending"')) return text;
        const { kind, ...rest } = JSON.parse(text) as Record<string, unknown>;
        return JSON.stringify({ ...rest, kind });
      })
      .join('\n');
    writeFileSync(file, reordered);
    const p = (await readState(file, { ...roomy(), room: () => 1 })).pipelines.get('default')!;
    expect([p.pending.length, p.dropped]).to.deep.equal([1, 2]);
  });
});

describe('state file: runs past their room', () => {
  it('are counted from the start of their line alone: one that is no longer whole JSON does not refuse the file', async () => {
    const file = path.join(tmpDir(), 'state.json');
    const run = createSmokeRunner(fakePorts().ports);
    const pending = [run('schedule'), run('api'), run('schedule')].map((r) => ({ run: r, verdicts: {}, progress: {} }));
    await write(file, [pipeline(pending)]);
    const lines = readFileSync(file, 'utf8').split('\n');
    const last = lines.findLastIndex((l) => l.startsWith('{"kind":"pending"'));
    lines[last] = lines[last]!.slice(0, 40); // past the room of its kind: never parsed
    writeFileSync(file, lines.join('\n'));
    const p = (await readState(file, { ...roomy(), room: () => 1 })).pipelines.get('default')!;
    expect([p.pending.map((x) => x.run.seq), p.dropped]).to.deep.equal([[pending[0]!.run.seq, pending[1]!.run.seq], 1]);
  });
});
