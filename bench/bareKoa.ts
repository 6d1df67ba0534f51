/**
 * The baseline: Koa + @koa/router answering GET /smoke-test with the daemon's response, no telemetry.
 *   node dist/bench/bareKoa.js PORT
 */
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import { runResponse } from '../src/http/answers';
import { emittedRun } from './emittedRun';

const SERVICE = { name: 'bare-koa', version: '0.0.0' };

const app = new Koa();
const router = new Router();
let seq = 0;
router.get('/smoke-test', (ctx) => {
  seq += 1;
  ctx.body = runResponse(emittedRun(randomBytes(16).toString('hex'), randomBytes(8).toString('hex'), seq), SERVICE);
});
router.get('/readyz', (ctx) => {
  ctx.body = { status: 'ready' };
});
app.use(router.routes());
const server = app.listen(Number(process.argv[2] ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
