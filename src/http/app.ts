import Router from '@koa/router';
import Koa from 'koa';
import type winston from 'winston';
import type { Runs } from '../runs';
import type { Scheduler } from '../smoke/scheduler';
import type { Render } from '../telemetry/exposition';
import type { SignalHealth } from '../verify/signalHealth';
import { handleErrors, notFound } from './errors';
import type { Lifecycle } from './lifecycle';
import { adminRoutes } from './routes/admin';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { smokeTestRoutes, type ServiceInfo } from './routes/smokeTest';

export interface AppDeps {
  readonly service: ServiceInfo;
  readonly runs: Runs;
  readonly signalHealth: SignalHealth;
  readonly scheduler: Scheduler;
  readonly renderMetrics: Render;
  readonly lifecycle: Lifecycle;
  readonly logger: winston.Logger;
}

/** Composition only: middleware order and routes. Logic lives in the routes and the core. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.silent = true; // errors are answered and logged by handleErrors

  const router = new Router();
  smokeTestRoutes(router, deps);
  healthRoutes(router, deps);
  metricsRoutes(router, deps.renderMetrics);
  adminRoutes(router, deps.scheduler);

  app.use(closeWhenDraining(deps.lifecycle));
  app.use(handleErrors(deps.logger));
  app.use(router.routes());
  app.use(notFound(router));
  return app;
}

/** While shutting down, every response closes its connection so keep-alive clients let go. */
function closeWhenDraining(lifecycle: Lifecycle): Koa.Middleware {
  return async (ctx, next) => {
    await next();
    if (lifecycle.draining) ctx.set('Connection', 'close');
  };
}
