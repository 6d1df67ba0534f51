import Router from '@koa/router';
import Koa from 'koa';
import type winston from 'winston';
import type { Runs } from '../runs';
import type { Scheduler } from '../smoke/scheduler';
import type { Render } from '../telemetry/exposition';
import type { Exemplar, RequestLabels } from '../telemetry/metrics';
import type { SignalHealth } from '../verify/signalHealth';
import { handleErrors, notFound } from './errors';
import type { Lifecycle } from './lifecycle';
import { requestMetrics } from './requestMetrics';
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
  readonly observeRequest: (labels: RequestLabels, seconds: number, exemplar?: Exemplar) => void;
  readonly currentExemplar: () => Exemplar | undefined;
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
  app.use(requestMetrics(deps.observeRequest, deps.currentExemplar));
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
