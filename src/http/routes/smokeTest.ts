import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Runs } from '../../runs';
import type { RunReport } from '../../verify/judge';
import { RUN_ID_PATTERN, SMOKE_TEST_PATH, exemplarOf, type RunStatus, type Trigger } from '../../vocabulary';
import { receipt, receiptPath, runResponse } from '../answers';
import { readJsonBody } from '../body';
import { GUARDED, LIMITED, PIPELINE_PARAMETER, SHED, UNAUTHORIZED, error, json, ref, requestSchemas } from '../openapi';
import { HEALTH_CONTENT_TYPE, type AppContext, type RequestState, type Routes } from '../types';

const BODY_LIMIT_BYTES = 4096;

/** Starts a run for this request; its span becomes the request's exemplar when it was exported. */
export function startRun(
  ctx: Context,
  runs: Runs,
  trigger: Trigger,
  options: { id?: string; pipeline?: string } = {},
): RunReport {
  const report = runs.start(trigger, options);
  if (report.run.signals.trace.status === 'emitted') (ctx.state as RequestState).exemplar = exemplarOf(report.run);
  return report;
}

/** The pipeline a request names (the first one when it names none): 400 when not a name, 404 when not one of ours. */
export function pipelineOf(ctx: Context, runs: Runs, asked: unknown): string {
  if (asked === undefined) return runs.pipelines[0] as string;
  // One of ours is a valid name already (config checked it): the schema only for the rest.
  if (typeof asked === 'string' && runs.pipelines.includes(asked)) return asked;
  const name = requestSchemas().pipelineName.safeParse(asked);
  if (!name.success) return ctx.throw(400, name.error.issues[0]?.message ?? 'malformed pipeline name');
  if (!runs.pipelines.includes(name.data)) return ctx.throw(404, 'no such pipeline; GET /healthz lists them');
  return name.data;
}

/** What a deploy gate reads from the status code. */
const WAIT_STATUS: Record<RunStatus, number> = {
  verified: 200,
  failed: 502,
  timeout: 504,
  unverified: 503,
  pending: 504,
};

export const smokeTestRoutes: Routes = {
  paths: () => ({
    [SMOKE_TEST_PATH]: {
      get: {
        summary: 'Run one smoke test: one log line, one span, one counter increment (links.receipt: its verdict)',
        parameters: [PIPELINE_PARAMETER],
        responses: {
          200: json(ref('RunResponse'), 'the run'),
          400: error('malformed pipeline name'),
          404: error('no such pipeline'),
          ...LIMITED,
          ...SHED,
        },
      },
      post: {
        summary: 'A caller-named run (trigger "api"); with wait, the status code is the verdict',
        ...GUARDED,
        requestBody: { required: false, content: { 'application/json': { schema: ref('RunRequest') } } },
        responses: {
          200: json(ref('Receipt'), 'verified', HEALTH_CONTENT_TYPE),
          202: json(ref('AcceptedRun'), 'started (no wait); Location: its receipt'),
          400: error('bad body'),
          404: error('no such pipeline'),
          409: error('the id was used already'),
          413: error('body too large'),
          415: error('not JSON'),
          ...UNAUTHORIZED,
          ...LIMITED,
          502: json(ref('Receipt'), 'a signal failed', HEALTH_CONTENT_TYPE),
          503: json(
            ref('Receipt'),
            'not read back (too many runs awaiting verification, or shutting down)',
            HEALTH_CONTENT_TYPE,
          ),
          504: json(ref('Receipt'), 'a signal is missing (timed out)', HEALTH_CONTENT_TYPE),
        },
      },
    },
    [`${SMOKE_TEST_PATH}/{id}`]: {
      get: {
        summary:
          "A recent run's receipt: one check per signal (a backend's own words only with the token, when one is set)",
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: RUN_ID_PATTERN.source } },
        ],
        responses: {
          200: json(ref('Receipt'), 'receipt', HEALTH_CONTENT_TYPE),
          400: error('malformed id'),
          404: error('unknown id'),
        },
      },
    },
  }),
  register(router: Router, deps: AppContext) {
    // Other paths get their own handler functions (routes/legacy.ts): the Koa instrumentation
    // marks a function as patched, so a shared handler would get a router span on one path only.
    router.get(SMOKE_TEST_PATH, ...deps.guard.runs, (ctx) => {
      const pipeline = pipelineOf(ctx, deps.runs, ctx.query.pipeline);
      ctx.body = runResponse(startRun(ctx, deps.runs, 'http', { pipeline }).run, deps.service);
    });

    // A caller-named run (trigger "api": `petsage-smoke check`, deploy pipelines); with wait, the
    // status code is the verdict: 200 verified, 502 a signal failed, 504 timed out.
    router.post(SMOKE_TEST_PATH, ...deps.guard.post, ...deps.guard.auth, ...deps.guard.limit, async (ctx) => {
      const body = await readJsonBody(ctx, BODY_LIMIT_BYTES);
      const parsed = requestSchemas().RunRequest.safeParse(body ?? {});
      if (!parsed.success) return ctx.throw(400, parsed.error.issues[0]?.message ?? 'bad request body');
      const { id, wait } = parsed.data;
      const pipeline = pipelineOf(ctx, deps.runs, parsed.data.pipeline);
      if (id !== undefined && deps.runs.used(id))
        return ctx.throw(409, 'a run with this id was made already; pick a new id (its receipt may still be kept)');
      const report = startRun(ctx, deps.runs, 'api', { pipeline, ...(id === undefined ? {} : { id }) });
      if (!wait) {
        ctx.status = 202;
        ctx.set('Location', receiptPath(report.run.id));
        ctx.body = { ...runResponse(report.run, deps.service), receipt: receiptPath(report.run.id) };
        return;
      }
      const settled = await report.settled;
      ctx.status = WAIT_STATUS[settled.status];
      ctx.type = HEALTH_CONTENT_TYPE;
      ctx.body = JSON.stringify(receipt(settled, deps.service, deps.seesAll(ctx)));
    });

    router.get(`${SMOKE_TEST_PATH}/:id`, (ctx) => {
      const id = ctx.params.id ?? '';
      if (!requestSchemas().runId.safeParse(id).success) return ctx.throw(400, 'malformed run id');
      const report = deps.runs.get(id);
      if (!report) return ctx.throw(404, 'no such run (only the most recent runs are kept)');
      ctx.type = HEALTH_CONTENT_TYPE;
      ctx.body = JSON.stringify(receipt(report, deps.service, deps.seesAll(ctx)));
    });
  },
};
