import type Router from '@koa/router';
import { FEATURE, VERIFICATION_MESSAGE } from '../../smoke/constants';
import type { Ledger } from '../../smoke/ledger';
import type { SmokeRunner } from '../../smoke/runSmokeTest';
import type { SmokeRun } from '../../smoke/types';

export interface ServiceInfo {
  readonly name: string;
  readonly version: string;
}

export const SMOKE_TEST_PATHS = ['/smoke-test', '/api/v1/smoke-test'] as const;

/** The response of one run: the seeds' contract plus the ids that find its signals. */
export function runResponse(run: SmokeRun, service: ServiceInfo) {
  return {
    status: run.outcome === 'success' ? 'ok' : 'degraded',
    feature: FEATURE,
    message: VERIFICATION_MESSAGE,
    timestamp: run.startedAt.toISOString(),
    service: service.name,
    version: service.version,
    run_id: run.id,
    trace_id: run.traceId,
    span_id: run.spanId,
    seq: run.seq,
    signals: run.signals,
  };
}

export function smokeTestRoutes(router: Router, deps: { run: SmokeRunner; ledger: Ledger; service: ServiceInfo }): void {
  // One route and one handler function per path: the Koa instrumentation marks a function as
  // patched, so a shared handler would get a router span on the first path only.
  for (const path of SMOKE_TEST_PATHS) {
    router.get(path, (ctx) => {
      const run = deps.run('http');
      deps.ledger.add(run);
      ctx.body = runResponse(run, deps.service);
    });
  }
}
