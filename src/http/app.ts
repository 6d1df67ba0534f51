import Router from '@koa/router';
import Koa from 'koa';
import type winston from 'winston';
import type { Config } from '../config/schema';
import type { Runs } from '../runs';
import type { Scheduler } from '../smoke/scheduler';
import type { Render } from '../telemetry/exposition';
import type { RequestLabels } from '../telemetry/metrics';
import type { SignalHealth } from '../verify/signalHealth';
import type { Exemplar } from '../vocabulary';
import { SECURITY_HEADERS, allowHosts, limitRuns, requireToken, sameSiteJson, tokenCheck } from './access';
import { answerError, notFound } from './errors';
import type { Lifecycle } from './lifecycle';
import { buildOpenApi } from './openapi';
import { recordRequest } from './requestMetrics';
import { adminRoutes } from './routes/admin';
import { docsRoutes } from './routes/docs';
import { healthRoutes } from './routes/health';
import { enabledLegacyRoutes, legacyRoutes } from './routes/legacy';
import { metricsRoutes } from './routes/metrics';
import { rootRoute } from './routes/root';
import { smokeTestRoutes } from './routes/smokeTest';
import { statusRoutes } from './routes/status';
import type { Guards, ServiceInfo } from './types';

export interface AppDeps {
  readonly service: ServiceInfo;
  readonly runs: Runs;
  readonly signalHealth: SignalHealth;
  readonly scheduler: Scheduler;
  readonly renderMetrics: Render;
  readonly lifecycle: Lifecycle;
  /** When the daemon started (epoch ms) and its clock: the status page's uptime and ages. */
  readonly startedAtMs: number;
  readonly now: () => number;
  readonly logger: winston.Logger;
  readonly observeRequest: (labels: RequestLabels, seconds: number, exemplar?: Exemplar) => void;
  readonly currentExemplar: () => Exemplar | undefined;
  readonly legacy: Config['legacyRoutes'];
  /** auth.token ("" = open), rateLimit (max 0 = no limit), the proxy hops and Host names trusted. */
  readonly access: Pick<Config, 'auth' | 'rateLimit'> & {
    readonly server: Pick<Config['server'], 'trustProxyHops' | 'allowedHosts'>;
  };
}

function guards(access: AppDeps['access']): Guards {
  const auth = access.auth.token ? [requireToken(access.auth.token)] : [];
  const limit = access.rateLimit.max > 0 ? [limitRuns(access.rateLimit)] : [];
  return {
    auth,
    limit,
    runs: [...(access.auth.requireForRuns ? auth : []), ...limit],
    post: [sameSiteJson()],
  };
}

/** Composition only: middleware order and routes. Logic lives in the routes and the core. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.silent = true; // errors are answered and logged by the envelope
  // Behind N reverse proxies the client is N hops from the right of X-Forwarded-For; else the socket.
  app.proxy = deps.access.server.trustProxyHops > 0;
  app.maxIpsCount = deps.access.server.trustProxyHops;

  // strict: "/smoke-test/" is its own (legacy) route, not a spelling of "/smoke-test".
  const router = new Router({ strict: true });
  const guard = guards(deps.access);
  const statusPage = statusRoutes(
    router,
    { ...deps, draining: () => deps.lifecycle.draining },
    deps.access.auth.token ? tokenCheck(deps.access.auth.token) : () => true,
  );
  rootRoute(router, deps.service, statusPage);
  smokeTestRoutes(router, { ...deps, guard });
  healthRoutes(router, deps);
  metricsRoutes(router, deps.renderMetrics, guard);
  adminRoutes(router, deps.scheduler, guard);
  legacyRoutes(router, { config: deps.legacy, runs: deps.runs, service: deps.service, guard });
  docsRoutes(router, () => buildOpenApi(deps.service, enabledLegacyRoutes(deps.legacy)));

  app.use(envelope(deps));
  if (deps.access.server.allowedHosts.length > 0) app.use(allowHosts(deps.access.server.allowedHosts));
  app.use(router.routes());
  app.use(notFound(router));
  return app;
}

/**
 * What every request gets, in one middleware: the security headers, a JSON answer to any error,
 * the duration histogram, and while shutting down `Connection: close` so keep-alive clients let
 * go. One layer rather than one per concern: each Koa layer costs a promise and a closure per
 * request (bench/README.md).
 */
function envelope(deps: Pick<AppDeps, 'lifecycle' | 'logger' | 'observeRequest' | 'currentExemplar'>): Koa.Middleware {
  return async (ctx, next) => {
    const start = performance.now();
    ctx.set(SECURITY_HEADERS);
    try {
      await next();
    } catch (err) {
      answerError(ctx, err, deps.logger);
    } finally {
      recordRequest(ctx, (performance.now() - start) / 1000, deps.observeRequest, deps.currentExemplar);
      if (deps.lifecycle.draining) ctx.set('Connection', 'close');
    }
  };
}
