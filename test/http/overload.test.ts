import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { shedWhenBehind, SPAN_BACKLOG_SHARE } from '../../src/http/overload';
import { answerError } from '../../src/http/errors';
import { createRegistry } from '../../src/telemetry/metrics/registry';
import { METRIC } from '../../src/vocabulary';
import { memoryLogger } from '../support/app';

function appBehind(state: { log: number; span: number }) {
  const registry = createRegistry({ processMetrics: false });
  const { logger } = memoryLogger();
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      answerError(ctx, err, logger);
    }
  });
  const overload = {
    logBacklog: () => state.log,
    maxLogBacklog: 100,
    spanBacklog: (p: string) => (p === 'default' ? state.span : 0),
  };
  app.use(shedWhenBehind(overload, (ctx) => ctx.get('Authorization') === 'Bearer t', registry));
  app.use((ctx) => void (ctx.body = { ran: true }));
  const shed = async () =>
    Object.fromEntries(
      (await registry.getSingleMetric(METRIC.runsShed)!.get()).values.map((v) => [v.labels.reason, v.value]),
    );
  return { app: app.callback(), shed };
}

describe('overload: shed, never queue', () => {
  it('while the log is past its backlog or a span queue past half, an anonymous run is 503 with Retry-After, counted by why', async () => {
    const state = { log: 0, span: 0 };
    const { app, shed } = appBehind(state);
    await request(app).get('/').expect(200, { ran: true });
    state.log = 101;
    const res = await request(app).get('/').expect(503);
    expect(res.headers['retry-after']).to.equal('1');
    expect(res.body.error).to.deep.equal({
      status: 503,
      code: 'service_unavailable',
      message: 'the daemon is behind on writing its log or exporting its spans; try again later',
    });
    state.log = 100;
    state.span = SPAN_BACKLOG_SHARE + 0.01;
    await request(app).get('/').expect(503);
    await request(app).get('/?pipeline=team-a').expect(200); // another pipeline's runs go on
    state.span = SPAN_BACKLOG_SHARE;
    await request(app).get('/').expect(200);
    expect(await shed()).to.deep.equal({ log_backlog: 1, span_backlog: 1 });
  });

  it('a request with the token is never shed: it has room of its own', async () => {
    const { app, shed } = appBehind({ log: 1e9, span: 1 });
    await request(app).get('/').set('Authorization', 'Bearer t').expect(200);
    expect(await shed()).to.deep.equal({ log_backlog: 0, span_backlog: 0 });
  });
});
