import type Router from '@koa/router';
import type { Runs } from '../../runs';
import type { SignalHealth } from '../../verify/signalHealth';
import { daemonHealth } from '../healthChecks';
import type { Lifecycle } from '../lifecycle';
import { HEALTH_CONTENT_TYPE, type ServiceInfo } from '../types';

export function healthRoutes(
  router: Router,
  deps: { runs: Runs; signalHealth: SignalHealth; lifecycle: Lifecycle; service: ServiceInfo },
): void {
  // Liveness: the event loop answers. Never depends on a backend.
  router.get('livez', '/livez', (ctx) => {
    ctx.body = { status: 'pass' };
  });

  router.get('readyz', '/readyz', (ctx) => {
    ctx.status = deps.lifecycle.draining ? 503 : 200;
    ctx.body = { status: deps.lifecycle.draining ? 'shutting_down' : 'ready' };
  });

  // draft-inadarei-api-health-check, one check per signal's emit and verification.
  router.get('healthz', '/healthz', (ctx) => {
    const { status, checks } = daemonHealth(deps.runs, deps.signalHealth, deps.lifecycle.draining);
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
