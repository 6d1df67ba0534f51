import { expect } from 'chai';
import request from 'supertest';
import { HEALTH_CONTENT_TYPE } from '../../src/http/types';
import { VERSION } from '../../src/version';
import { testService } from '../support/app';

describe('probes', () => {
  it('/livez answers while the process runs, even when draining', async () => {
    const { app, lifecycle } = testService();
    await request(app.callback()).get('/livez').expect(200, { status: 'pass' });
    lifecycle.startDraining();
    await request(app.callback()).get('/livez').expect(200);
  });

  it('/readyz turns 503 as soon as shutdown begins, and responses then close their connection', async () => {
    const { app, lifecycle } = testService();
    const ready = await request(app.callback())
      .get('/readyz')
      .set('Connection', 'keep-alive')
      .expect(200, { status: 'ready' });
    expect(ready.headers.connection).to.equal('keep-alive');
    lifecycle.startDraining();
    const res = await request(app.callback())
      .get('/readyz')
      .set('Connection', 'keep-alive')
      .expect(503, { status: 'shutting_down' });
    expect(res.headers.connection).to.equal('close');
  });

  it('/healthz is health+json with one check per signal: warn before the first run, pass after', async () => {
    const { app } = testService();
    const before = await request(app.callback())
      .get('/healthz')
      .expect(200)
      .expect('Content-Type', new RegExp(HEALTH_CONTENT_TYPE.replace('+', '\\+')));
    const body = JSON.parse(before.text) as {
      status: string;
      version: string;
      serviceId: string;
      checks: Record<string, { status: string; output?: string }[]>;
    };
    expect(body).to.include({
      status: 'warn',
      version: VERSION,
      serviceId: 'petsage-smoke',
      description: 'petsage-smoke: last emit status and verification health of each signal, per pipeline',
    });
    expect(Object.keys(body.checks)).to.deep.equal([
      'log:emit',
      'log:verification',
      'trace:emit',
      'trace:verification',
      'metric:emit',
      'metric:verification',
    ]);
    expect(body.checks['log:emit']![0]).to.include({ status: 'warn', output: 'no run yet' });

    await request(app.callback()).get('/smoke-test').expect(200);
    const after = JSON.parse((await request(app.callback()).get('/healthz').expect(200)).text) as typeof body;
    expect(after.status).to.equal('pass');
    expect(['log:emit', 'trace:emit', 'metric:emit'].map((k) => after.checks[k]![0]!.status)).to.deep.equal([
      'pass',
      'pass',
      'pass',
    ]);
  });

  it('/healthz fails (503) with the reason when the last run could not write its log line', async () => {
    const { app } = testService({ failLogWrites: true });
    await request(app.callback()).get('/smoke-test').expect(200);
    const res = await request(app.callback()).get('/healthz').expect(503);
    const body = JSON.parse(res.text) as {
      status: string;
      checks: Record<string, { status: string; output?: string }[]>;
    };
    expect(body.status).to.equal('fail');
    expect(body.checks['log:emit']![0]).to.include({ status: 'fail', output: 'write_failed' });
    expect(body.checks['trace:emit']![0]!.status).to.equal('pass');
  });
});
