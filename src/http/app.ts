import Router from '@koa/router';
import Koa from 'koa';
import { SMOKE_TEST_PATH } from '../vocabulary';
import { SECURITY_HEADERS, adminOnly, allowHosts, limitRuns, requireToken, sameSiteJson, tokenCheck } from './access';
import { answerError, notFound } from './errors';
import { buildOpenApi } from './openapi';
import { shedWhenBehind } from './overload';
import { createRequestMetrics, type ObserveRequest } from './requestMetrics';
import { adminRoutes } from './routes/admin';
import { docsRoutes } from './routes/docs';
import { runbookRoutes } from './routes/runbooks';
import { healthRoutes } from './routes/health';
import { legacyRoutes } from './routes/legacy';
import { metricsRoutes } from './routes/metrics';
import { probeRoutes } from './routes/probe';
import { rootRoute } from './routes/root';
import { smokeTestRoutes } from './routes/smokeTest';
import { statusRoutes } from './routes/status';
import type { AppContext, AppDeps, Guards, Routes } from './types';

/** Every route module; /openapi.json is their paths, merged in this order. The router tries HOT_ROUTES first. */
const ROUTES: readonly Routes[] = [
  statusRoutes,
  rootRoute,
  smokeTestRoutes,
  probeRoutes,
  healthRoutes,
  metricsRoutes,
  adminRoutes,
  legacyRoutes,
  docsRoutes,
  runbookRoutes,
];
/** What the probe listener serves: nothing that starts a run or shows one; the runbooks, as its address is an alert's instance. */
const PROBE_ROUTES: readonly Routes[] = [healthRoutes, metricsRoutes, runbookRoutes];
/**
 * The routes taken most (a run, the probes, the scrape), in a router tried first: @koa/router tests a
 * request against every route it holds, so these are matched against a handful of paths, not the API.
 */
const HOT_ROUTES: readonly Routes[] = [smokeTestRoutes, healthRoutes, metricsRoutes];

function guards(deps: AppDeps): Guards {
  const { auth: a, rateLimit } = deps.access;
  const auth = a.token ? [requireToken(a.token)] : [];
  // Without a token set, every request is anonymous.
  const holdsToken = a.token ? tokenCheck(a.token) : () => false;
  const limit = rateLimit.max > 0 ? [limitRuns(rateLimit, holdsToken)] : [];
  const shed = shedWhenBehind(deps.overload, holdsToken, deps.registry);
  return {
    auth,
    limit,
    runs: [...(a.requireForRuns ? auth : []), shed, ...limit],
    post: [sameSiteJson()],
    admin: [adminOnly(auth[0])],
  };
}

/**
 * Composition only: middleware order and routes. Logic lives in the routes and the core. The main
 * app serves everything; the probe app (server.probes) the probes and /metrics alone.
 */
export function createApps(deps: AppDeps): { app: Koa; probesApp: Koa } {
  const seesAll = deps.access.auth.token ? tokenCheck(deps.access.auth.token) : () => true;
  const context: AppContext = {
    ...deps,
    guard: guards(deps),
    seesAll,
    openApi: () => buildOpenApi(deps.service, Object.assign({}, ...ROUTES.map((r) => r.paths(context)))),
  };
  const observe = createRequestMetrics(deps.registry, {
    currentExemplar: deps.currentExemplar,
    initial: [{ route: SMOKE_TEST_PATH, method: 'GET', status: '200' }],
    profile: deps.series,
  });
  const app = build(deps, observe, ROUTES, context);
  const probesApp = build(deps, observe, PROBE_ROUTES, context);
  return { app, probesApp };
}

function build(deps: AppDeps, observe: ObserveRequest, routes: readonly Routes[], context: AppContext): Koa {
  const app = new Koa();
  app.silent = true; // errors are answered and logged by the envelope
  // Behind N reverse proxies the client is N hops from the right of X-Forwarded-For; else the socket.
  app.proxy = deps.access.server.trustProxyHops > 0;
  app.maxIpsCount = deps.access.server.trustProxyHops;
  const routers = [routes.filter((r) => HOT_ROUTES.includes(r)), routes.filter((r) => !HOT_ROUTES.includes(r))]
    .filter((group) => group.length > 0)
    .map((group) => {
      // strict: "/smoke-test/" is its own (legacy) route, not a spelling of "/smoke-test".
      const router = new Router({ strict: true });
      for (const r of group) r.register(router, context);
      return router;
    });
  app.use(envelope(deps, observe));
  if (deps.access.server.allowedHosts.length > 0) app.use(allowHosts(deps.access.server.allowedHosts));
  for (const router of routers) app.use(router.routes());
  app.use(notFound(routers));
  return app;
}

/** The headers every answer carries, made once: Node takes them in one call. */
const FIXED_HEADERS = new Map<string, string>(Object.entries(SECURITY_HEADERS));

/**
 * What every request gets, in one middleware: the security headers, a JSON answer to any error,
 * the duration histogram, and while shutting down `Connection: close` so keep-alive clients let
 * go. One layer rather than one per concern: each Koa layer costs a promise and a closure per
 * request (bench/README.md).
 */
function envelope(deps: Pick<AppDeps, 'lifecycle' | 'logger'>, observe: ObserveRequest): Koa.Middleware {
  return async (ctx, next) => {
    const start = performance.now();
    ctx.res.setHeaders(FIXED_HEADERS);
    try {
      await next();
    } catch (err) {
      answerError(ctx, err, deps.logger);
    } finally {
      observe(ctx, (performance.now() - start) / 1000);
      if (deps.lifecycle.draining) ctx.set('Connection', 'close');
    }
  };
}
