import type Router from '@koa/router';
import { daemonHealth } from '../healthChecks';
import { HEALTH_CONTENT_TYPE, type AppContext, type Routes } from '../types';
import { json, ref } from '../openapi';

/** Liveness, readiness and health: served on the main port and on the probe listener. */
export const healthRoutes: Routes = {
  paths: () => ({
    '/livez': { get: { summary: 'Liveness', responses: { 200: json(ref('Probe'), 'alive') } } },
    '/readyz': {
      get: {
        summary: 'Readiness; 503 once shutdown begins',
        responses: { 200: json(ref('Probe'), 'ready'), 503: json(ref('Probe'), 'shutting down') },
      },
    },
    '/healthz': {
      get: {
        summary: 'Per-signal emit and verification health, per pipeline and overall',
        responses: {
          200: json(ref('Health'), 'pass or warn', HEALTH_CONTENT_TYPE),
          503: json(ref('Health'), 'fail', HEALTH_CONTENT_TYPE),
        },
      },
    },
  }),
  register(router: Router, deps: AppContext) {
    // Liveness: the event loop answers. Never depends on a backend.
    router.get('livez', '/livez', (ctx) => {
      ctx.body = { status: 'pass' };
    });

    router.get('readyz', '/readyz', (ctx) => {
      ctx.status = deps.lifecycle.draining ? 503 : 200;
      ctx.body = { status: deps.lifecycle.draining ? 'shutting_down' : 'ready' };
    });

    // draft-inadarei-api-health-check, one check per pipeline and signal, for its emit and its verification.
    router.get('healthz', '/healthz', (ctx) => {
      const { status, checks, pipelines } = daemonHealth(deps.runs, deps.pipelines, deps.lifecycle.draining);
      ctx.status = status === 'fail' ? 503 : 200;
      ctx.type = HEALTH_CONTENT_TYPE;
      ctx.body = JSON.stringify({
        status,
        version: deps.service.version,
        serviceId: deps.service.name,
        description: 'petsage-smoke: last emit status and verification health of each signal, per pipeline',
        checks,
        pipelines,
      });
    });
  },
};
