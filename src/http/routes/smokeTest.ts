import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Runs } from '../../runs';
import { FEATURE, RUN_ID_PATTERN, SIGNALS, VERIFICATION_MESSAGE, type Trigger } from '../../smoke/constants';
import type { SmokeRun } from '../../smoke/types';
import type { RunReport, RunStatus } from '../../verify/judge';
import type { Verdict } from '../../verify/types';
import { readJsonBody } from '../body';
import type { Guards } from '../app';
import type { RequestState } from '../requestMetrics';
import { HEALTH_CONTENT_TYPE } from './health';

export interface ServiceInfo {
  readonly name: string;
  readonly version: string;
}

export const SMOKE_TEST_PATH = '/smoke-test';
const BODY_LIMIT_BYTES = 4096;

/** The response of one run: the seeds' contract plus the ids that find its signals. */
export function runResponse(run: SmokeRun, service: ServiceInfo, message = VERIFICATION_MESSAGE) {
  return {
    status: run.outcome === 'success' ? 'ok' : 'degraded',
    feature: FEATURE,
    message,
    timestamp: run.timestamp,
    service: service.name,
    version: service.version,
    run_id: run.id,
    trace_id: run.traceId,
    span_id: run.spanId,
    seq: run.seq,
    signals: run.signals,
  };
}

/** Starts a run for this request; its span becomes the request's exemplar when it was exported. */
export function startRun(ctx: Context, runs: Runs, trigger: Trigger, id?: string): RunReport {
  const report = runs.start(trigger, id);
  const { run } = report;
  if (run.signals.trace.status === 'emitted') (ctx.state as RequestState).exemplar = { trace_id: run.traceId, span_id: run.spanId };
  return report;
}

const receiptPath = (id: string) => `/smoke-test/${encodeURIComponent(id)}`;

function checkOf(signal: string, v: Verdict | undefined) {
  if (!v) return { componentId: signal, componentType: 'component', status: 'warn', output: 'pending' };
  return {
    componentId: signal,
    componentType: 'component',
    status: v.outcome === 'verified' || v.outcome === 'skipped' ? 'pass' : 'fail',
    ...(v.lagSeconds !== undefined ? { observedValue: v.lagSeconds, observedUnit: 's' } : {}),
    outcome: v.outcome,
    reason: v.reason,
    ...(v.outcome === 'verified' ? {} : { output: v.detail ? `${v.reason}: ${v.detail}` : v.reason }),
    time: v.at.toISOString(),
  };
}

const OVERALL: Record<RunStatus, string> = { verified: 'pass', pending: 'warn', unverified: 'warn', failed: 'fail', timeout: 'fail' };

/** A run's receipt in the health+json shape: one check per signal. */
export function receipt(report: RunReport, service: ServiceInfo) {
  const { run } = report;
  return {
    status: OVERALL[report.status],
    outcome: report.status,
    version: service.version,
    serviceId: service.name,
    description: `smoke run ${run.seq} (${run.trigger})`,
    run_id: run.id,
    trace_id: run.traceId,
    span_id: run.spanId,
    seq: run.seq,
    time: run.startedAt.toISOString(),
    checks: Object.fromEntries(SIGNALS.map((s) => [`${s}:verification`, [checkOf(s, report.verdicts[s])]])),
    links: { self: receiptPath(run.id), metrics: '/metrics', health: '/healthz' },
  };
}

/** What a deploy gate reads from the status code. */
const WAIT_STATUS: Record<RunStatus, number> = { verified: 200, failed: 502, timeout: 504, unverified: 503, pending: 504 };

function parseRunRequest(body: unknown): { id?: string; wait: boolean } | string {
  if (body === undefined) return { wait: false };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object such as {"id": "deploy-1234", "wait": true}';
  const { id, wait, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return 'unknown field; the body takes "id" and "wait"';
  if (id !== undefined && (typeof id !== 'string' || !RUN_ID_PATTERN.test(id))) {
    return '"id" must be 1-128 characters: letters, digits and . _ : - (starting with a letter or digit)';
  }
  if (wait !== undefined && typeof wait !== 'boolean') return '"wait" must be true or false';
  return { ...(id !== undefined ? { id } : {}), wait: wait === true };
}

export function smokeTestRoutes(router: Router, deps: { runs: Runs; service: ServiceInfo; guard: Guards }): void {
  // Other paths get their own handler functions (routes/legacy.ts): the Koa instrumentation
  // marks a function as patched, so a shared handler would get a router span on one path only.
  router.get(SMOKE_TEST_PATH, ...deps.guard.runs, (ctx) => {
    ctx.body = runResponse(startRun(ctx, deps.runs, 'http').run, deps.service);
  });

  // A caller-named run (trigger "cli": `petsage-smoke check`, deploy pipelines); with wait, the
  // status code is the verdict: 200 verified, 502 a signal failed, 504 timed out.
  router.post('/smoke-test', ...deps.guard.auth, ...deps.guard.runs, async (ctx) => {
    const request = parseRunRequest(await readJsonBody(ctx, BODY_LIMIT_BYTES));
    if (typeof request === 'string') return ctx.throw(400, request);
    if (request.id !== undefined && deps.runs.has(request.id)) return ctx.throw(409, 'a run with this id exists; see its receipt or pick a new id');
    const report = startRun(ctx, deps.runs, 'cli', request.id);
    if (!request.wait) {
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

  router.get('/smoke-test/:id', (ctx) => {
    const id = ctx.params.id ?? '';
    if (!RUN_ID_PATTERN.test(id)) return ctx.throw(400, 'malformed run id');
    const report = deps.runs.get(id);
    if (!report) return ctx.throw(404, 'no such run (only the most recent runs are kept)');
    ctx.type = HEALTH_CONTENT_TYPE;
    ctx.body = JSON.stringify(receipt(report, deps.service));
  });
}
