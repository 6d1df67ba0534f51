import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Runs } from '../../runs';
import type { RunReport } from '../../verify/judge';
import { SMOKE_TEST_PATH, exemplarOf, type RunStatus, type Trigger } from '../../vocabulary';
import { receipt, receiptPath, runResponse } from '../answers';
import { readJsonBody } from '../body';
import { RunRequest, runId } from '../schemas';
import { HEALTH_CONTENT_TYPE, type Guards, type RequestState, type ServiceInfo } from '../types';

const BODY_LIMIT_BYTES = 4096;

/** Starts a run for this request; its span becomes the request's exemplar when it was exported. */
export function startRun(ctx: Context, runs: Runs, trigger: Trigger, id?: string): RunReport {
  const report = runs.start(trigger, id);
  if (report.run.signals.trace.status === 'emitted') (ctx.state as RequestState).exemplar = exemplarOf(report.run);
  return report;
}

/** What a deploy gate reads from the status code. */
const WAIT_STATUS: Record<RunStatus, number> = {
  verified: 200,
  failed: 502,
  timeout: 504,
  unverified: 503,
  pending: 504,
};

export function smokeTestRoutes(router: Router, deps: { runs: Runs; service: ServiceInfo; guard: Guards }): void {
  // Other paths get their own handler functions (routes/legacy.ts): the Koa instrumentation
  // marks a function as patched, so a shared handler would get a router span on one path only.
  router.get(SMOKE_TEST_PATH, ...deps.guard.runs, (ctx) => {
    ctx.body = runResponse(startRun(ctx, deps.runs, 'http').run, deps.service);
  });

  // A caller-named run (trigger "api": `petsage-smoke check`, deploy pipelines); with wait, the
  // status code is the verdict: 200 verified, 502 a signal failed, 504 timed out.
  router.post(SMOKE_TEST_PATH, ...deps.guard.post, ...deps.guard.auth, ...deps.guard.limit, async (ctx) => {
    const body = await readJsonBody(ctx, BODY_LIMIT_BYTES);
    const parsed = RunRequest.safeParse(body ?? {});
    if (!parsed.success) return ctx.throw(400, parsed.error.issues[0]?.message ?? 'bad request body');
    const { id, wait } = parsed.data;
    if (id !== undefined && deps.runs.has(id))
      return ctx.throw(409, 'a run with this id exists; see its receipt or pick a new id');
    const report = startRun(ctx, deps.runs, 'api', id);
    if (!wait) {
      ctx.status = 202;
      ctx.set('Location', receiptPath(report.run.id));
      ctx.body = { ...runResponse(report.run, deps.service), receipt: receiptPath(report.run.id) };
      return;
    }
    const settled = await report.settled;
    ctx.status = WAIT_STATUS[settled.status];
    ctx.type = HEALTH_CONTENT_TYPE;
    ctx.body = JSON.stringify(receipt(settled, deps.service));
  });

  router.get(`${SMOKE_TEST_PATH}/:id`, (ctx) => {
    const id = ctx.params.id ?? '';
    if (!runId.safeParse(id).success) return ctx.throw(400, 'malformed run id');
    const report = deps.runs.get(id);
    if (!report) return ctx.throw(404, 'no such run (only the most recent runs are kept)');
    ctx.type = HEALTH_CONTENT_TYPE;
    ctx.body = JSON.stringify(receipt(report, deps.service));
  });
}
