import { expect } from 'chai';
import request from 'supertest';
import { createRuns } from '../src/runs';
import { createSmokeRunner } from '../src/smoke/runSmokeTest';
import type { SmokeRun } from '../src/smoke/types';
import type { Judge, RunReport } from '../src/verify/judge';
import type { Trigger } from '../src/vocabulary';
import { testService } from './support/app';
import { fakePorts } from './support/fakes';

const reportOf = (run: SmokeRun): RunReport => ({
  run,
  verdicts: {},
  status: 'pending',
  settled: new Promise(() => undefined),
});

/** Runs over the fake ports, judged by a judge that only hands back a pending report; what the runner was asked. */
function runsOf(capacity: { api: number; other: number }) {
  const asked: [Trigger, { id?: string }][] = [];
  const runner = createSmokeRunner(fakePorts().ports);
  const judge = { judge: reportOf } as unknown as Judge;
  const runs = createRuns({
    pipelines: new Map([
      [
        'default',
        {
          run: (trigger: Trigger, options?: { id?: string }) => {
            asked.push([trigger, options ?? {}]);
            return runner(trigger, options);
          },
          judge,
        },
      ],
    ]),
    capacity,
  });
  return { runs, asked, runner };
}

describe('runs: room of their own for deploy gates', () => {
  it('a flood of GET runs never makes a gate over capacity, nor evicts a gate receipt', async () => {
    // Two GET runs may await verification and two of their receipts are kept. Spans wait in the
    // batch until flushed, so every GET run stays pending: the room is full for certain.
    const svc = testService({
      env: { PETSAGE_SMOKE_VERIFY_MAX_PENDING: '2', PETSAGE_SMOKE_LEDGER_SIZE: '2', OTEL_BSP_SCHEDULE_DELAY: '60000' },
    });
    const app = svc.app.callback();
    await request(app).post('/smoke-test').send({ id: 'gate-1' }).expect(202);
    const flood: string[] = [];
    for (let i = 0; i < 30; i += 1)
      flood.push((await request(app).get('/smoke-test').expect(200)).body.run_id as string);
    expect(svc.pipelines[0]!.judge.pending).to.equal(3); // gate-1 and the first two GET runs

    await request(app).post('/smoke-test').send({ id: 'gate-2' }).expect(202);
    await svc.telemetry.pipelines[0]!.tracing.forceFlush();
    const gate = await svc.runs.get('gate-2')!.settled;
    expect(gate.status).to.equal('verified');

    await request(app).get('/smoke-test/gate-1').expect(200);
    await request(app).get(`/smoke-test/${flood[0]}`).expect(404);
    await request(app).get(`/smoke-test/${flood[29]}`).expect(200);
    const metrics = (await request(app).get('/metrics')).text;
    expect(metrics).to.include(
      'petsage_smoke_signal_verifications_total{pipeline="default",signal="metric",outcome="skipped",reason="over_capacity"} 28',
    );
    // Every receipt kept, from both ledgers, oldest run first.
    expect(svc.runs.reports().map((r) => r.run.id)).to.deep.equal(['gate-1', flood[28], flood[29], 'gate-2']);
  });
});

/** Whether a receipt is kept. */
const has = (runs: ReturnType<typeof runsOf>['runs'], id: string) => runs.get(id) !== undefined;

describe('runs: the two ledgers', () => {
  it('starts a run under the id given, or a fresh one, and keeps its receipt as the latest', () => {
    const { runs, asked } = runsOf({ api: 2, other: 2 });
    expect(runs.latest()).to.equal(undefined);
    const gate = runs.start('api', { id: 'gate-1' });
    const scheduled = runs.start('schedule');
    expect(asked).to.deep.equal([
      ['api', { id: 'gate-1' }],
      ['schedule', {}],
    ]);
    expect(gate.run.id).to.equal('gate-1');
    expect(runs.latest()).to.equal(scheduled);
    expect([runs.get('gate-1'), runs.get(scheduled.run.id), runs.get('other')]).to.deep.equal([
      gate,
      scheduled,
      undefined,
    ]);
    expect([has(runs, 'gate-1'), has(runs, scheduled.run.id), has(runs, 'other')]).to.deep.equal([true, true, false]);
  });

  it('POST runs fill only their own ledger: each evicts the oldest of its kind, never the other kind', () => {
    const { runs } = runsOf({ api: 1, other: 2 });
    const first = runs.start('api', { id: 'gate-1' });
    const others = [runs.start('http'), runs.start('schedule'), runs.start('http')];
    expect(has(runs, first.run.id)).to.equal(true);
    expect(others.map((r) => has(runs, r.run.id))).to.deep.equal([false, true, true]);
    runs.start('api', { id: 'gate-2' });
    expect([has(runs, 'gate-1'), has(runs, 'gate-2')]).to.deep.equal([false, true]);
    expect(runs.reports().map((r) => r.run.id)).to.deep.equal([others[1]!.run.id, others[2]!.run.id, 'gate-2']);
  });

  it('a restored receipt goes to the ledger of its trigger and is not the latest run', () => {
    const { runs, runner } = runsOf({ api: 1, other: 1 });
    const restored = [reportOf(runner('api', { id: 'gate-old' })), reportOf(runner('schedule', { id: 'sched-old' }))];
    for (const r of restored) runs.restore(r);
    expect(runs.latest()).to.equal(undefined);
    expect(runs.reports()).to.deep.equal(restored);
    runs.start('api', { id: 'gate-new' });
    expect([has(runs, 'gate-old'), has(runs, 'sched-old')]).to.deep.equal([false, true]);
    runs.restore(reportOf(runner('http', { id: 'http-old' })));
    expect([has(runs, 'sched-old'), has(runs, 'http-old'), has(runs, 'gate-new')]).to.deep.equal([false, true, true]);
  });

  it('reports come oldest first: by start time, then by sequence number for runs started in the same millisecond', () => {
    const { runs, runner } = runsOf({ api: 4, other: 4 });
    const at = (ms: number, seq: number, trigger: Trigger): RunReport => {
      const run = runner(trigger);
      return reportOf({ ...run, startedAt: new Date(ms), seq });
    };
    const order = [at(1000, 7, 'http'), at(1000, 9, 'api'), at(2000, 1, 'api'), at(3000, 2, 'schedule')];
    for (const r of [order[3]!, order[2]!, order[1]!, order[0]!]) runs.restore(r);
    expect(runs.reports()).to.deep.equal(order);
  });
});

describe('runs: ids once used, and the pipeline asked for', () => {
  it('a caller-named id stays used after its receipt is evicted; a scheduled run is used while its receipt is kept', () => {
    const { runs } = runsOf({ api: 1, other: 1 });
    runs.start('api', { id: 'gate-1' });
    runs.start('api', { id: 'gate-2' }); // evicts the receipt of gate-1
    expect(runs.get('gate-1')).to.equal(undefined);
    expect(runs.used('gate-1'), 'never to be reused').to.equal(true);
    const scheduled = runs.start('schedule').run.id;
    expect(runs.used(scheduled)).to.equal(true);
    runs.start('schedule'); // evicts it: not named, so free again
    expect([runs.used(scheduled), runs.used('never-made')]).to.deep.equal([false, false]);
  });

  it('a restored receipt can be read and its id is used', () => {
    const { runs, runner } = runsOf({ api: 2, other: 2 });
    const restored = reportOf(runner('schedule', { id: 'restored-1' }));
    runs.restore(restored);
    expect([runs.get('restored-1'), runs.used('restored-1')]).to.deep.equal([restored, true]);
  });

  it('a pipeline that is not ours is a RangeError; the latest run is per pipeline', () => {
    const { runs } = runsOf({ api: 2, other: 2 });
    expect(() => runs.start('api', { pipeline: 'nope' })).to.throw(RangeError, 'no pipeline nope');
    const report = runs.start('api', { pipeline: 'default' });
    expect([runs.latest('default'), runs.latest('other'), runs.latest()]).to.deep.equal([report, undefined, report]);
  });
});
