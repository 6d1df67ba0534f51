import type Router from '@koa/router';
import { SIGNALS } from '../../smoke/constants';
import type { Runs } from '../../runs';
import type { EmitStatus } from '../../smoke/types';
import type { HealthStatus, SignalHealth } from '../../verify/signalHealth';
import type { Lifecycle } from '../lifecycle';
import type { ServiceInfo } from './smokeTest';

export const HEALTH_CONTENT_TYPE = 'application/health+json';
export const PROBE_PATHS = ['/livez', '/readyz', '/healthz'] as const;

const RANK: Record<HealthStatus, number> = { pass: 0, warn: 1, fail: 2 };

interface Check {
  componentId: string;
  componentType: 'component';
  status: HealthStatus;
  time?: string;
  observedValue?: number;
  observedUnit?: string;
  output?: string;
}

function emitCheck(signal: string, emit: EmitStatus | undefined, time: string | undefined, seq: number | undefined): Check {
  const base = { componentId: signal, componentType: 'component' as const };
  if (!emit) return { ...base, status: 'warn', output: 'no run yet' };
  const status: HealthStatus = emit.status === 'error' ? 'fail' : 'pass';
  return {
    ...base,
    status,
    ...(time ? { time } : {}),
    ...(seq !== undefined ? { observedValue: seq, observedUnit: 'run seq' } : {}),
    ...(emit.status === 'emitted' ? {} : { output: emit.reason }),
  };
}

export function healthRoutes(router: Router, deps: { runs: Runs; signalHealth: SignalHealth; lifecycle: Lifecycle; service: ServiceInfo }): void {
  // Liveness: the event loop answers. Never depends on a backend.
  router.get('livez', '/livez', (ctx) => {
    ctx.body = { status: 'pass' };
  });

  router.get('readyz', '/readyz', (ctx) => {
    ctx.status = deps.lifecycle.draining ? 503 : 200;
    ctx.body = { status: deps.lifecycle.draining ? 'shutting_down' : 'ready' };
  });

  // draft-inadarei-api-health-check: per signal, the last run's emit status and the
  // verification record (stale: warn; failing run after run: fail).
  router.get('healthz', '/healthz', (ctx) => {
    const run = deps.runs.latest()?.run;
    const time = run?.startedAt.toISOString();
    const checks: Record<string, Check[]> = {};
    let status: HealthStatus = deps.lifecycle.draining ? 'warn' : 'pass';
    for (const signal of SIGNALS) {
      const emit = emitCheck(signal, run?.signals[signal], time, run?.seq);
      const verification: Check = { componentId: signal, componentType: 'component', observedUnit: 's since verified', ...deps.signalHealth.check(signal) };
      checks[`${signal}:emit`] = [emit];
      checks[`${signal}:verification`] = [verification];
      for (const check of [emit, verification]) if (RANK[check.status] > RANK[status]) status = check.status;
    }
    ctx.status = status === 'fail' ? 503 : 200;
    ctx.type = HEALTH_CONTENT_TYPE;
    ctx.body = JSON.stringify({
      status,
      version: deps.service.version,
      serviceId: deps.service.name,
      description: 'petsage-smoke: last emit status of each signal',
      checks,
    });
  });
}
