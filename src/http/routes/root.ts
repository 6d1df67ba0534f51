import type Router from '@koa/router';
import type Koa from 'koa';
import type { ServiceInfo } from '../types';

/** The service index as JSON, or the status page for a client that prefers HTML (a browser). */
export function rootRoute(router: Router, service: ServiceInfo, statusPage: (ctx: Koa.Context) => void): void {
  router.get('/', (ctx) => {
    ctx.vary('Accept');
    if (ctx.accepts('json', 'html') === 'html') return statusPage(ctx);
    ctx.body = {
      service: service.name,
      version: service.version,
      description: 'Smoke runs that prove logs, metrics and traces flow end to end, under one run id.',
      links: {
        smoke_test: '/smoke-test',
        status: '/status',
        docs: '/docs',
        openapi: '/openapi.json',
        metrics: '/metrics',
        health: '/healthz',
        readiness: '/readyz',
        liveness: '/livez',
      },
    };
  });
}
