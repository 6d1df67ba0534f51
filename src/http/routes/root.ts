import type Router from '@koa/router';
import type { ServiceInfo } from '../types';

export function rootRoute(router: Router, service: ServiceInfo): void {
  router.get('/', (ctx) => {
    ctx.body = {
      service: service.name,
      version: service.version,
      description: 'Smoke runs that prove logs, metrics and traces flow end to end, under one run id.',
      links: {
        smoke_test: '/smoke-test',
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
