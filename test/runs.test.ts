import { expect } from 'chai';
import request from 'supertest';
import { testService } from './support/app';

describe('runs: room of their own for deploy gates', () => {
  it('a flood of GET runs never makes a gate over capacity, nor evicts a gate receipt', async () => {
    // Two GET runs may await verification and two of their receipts are kept. Spans wait in the
    // batch until flushed, so every GET run stays pending: the room is full for certain.
    const svc = testService({ env: { PETSAGE_SMOKE_VERIFY_MAX_PENDING: '2', PETSAGE_SMOKE_LEDGER_SIZE: '2', OTEL_BSP_SCHEDULE_DELAY: '60000' } });
    const app = svc.app.callback();
    await request(app).post('/smoke-test').send({ id: 'gate-1' }).expect(202);
    const flood: string[] = [];
    for (let i = 0; i < 30; i += 1) flood.push((await request(app).get('/smoke-test').expect(200)).body.run_id as string);
    expect(svc.judge.pending).to.equal(3); // gate-1 and the first two GET runs

    await request(app).post('/smoke-test').send({ id: 'gate-2' }).expect(202);
    await svc.telemetry.tracing.forceFlush();
    const gate = await svc.runs.get('gate-2')!.settled;
    expect(gate.status).to.equal('verified');

    await request(app).get('/smoke-test/gate-1').expect(200);
    await request(app).get(`/smoke-test/${flood[0]}`).expect(404);
    await request(app).get(`/smoke-test/${flood[29]}`).expect(200);
    const metrics = (await request(app).get('/metrics')).text;
    expect(metrics).to.include('petsage_smoke_signal_verifications_total{signal="metric",outcome="skipped",reason="over_capacity"} 28');
    // Every receipt kept, from both ledgers, oldest run first.
    expect(svc.runs.reports().map((r) => r.run.id)).to.deep.equal(['gate-1', flood[28], flood[29], 'gate-2']);
  });
});
