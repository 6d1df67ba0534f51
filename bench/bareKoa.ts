/**
 * The baseline: Koa + @koa/router answering the same JSON as GET /smoke-test, with no telemetry.
 *   node dist/bench/bareKoa.js PORT
 */
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import { FEATURE, VERIFICATION_MESSAGE } from '../src/smoke/constants';

const app = new Koa();
const router = new Router();
let seq = 0;
router.get('/smoke-test', (ctx) => {
  const traceId = randomBytes(16).toString('hex');
  ctx.body = {
    status: 'ok',
    feature: FEATURE,
    message: VERIFICATION_MESSAGE,
    timestamp: new Date().toISOString(),
    service: 'bare-koa',
    version: '0.0.0',
    run_id: traceId,
    trace_id: traceId,
    span_id: randomBytes(8).toString('hex'),
    seq: ++seq,
    signals: { log: { status: 'emitted' }, trace: { status: 'emitted' }, metric: { status: 'emitted' } },
  };
});
router.get('/readyz', (ctx) => {
  ctx.body = { status: 'ready' };
});
app.use(router.routes());
const server = app.listen(Number(process.argv[2] ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
