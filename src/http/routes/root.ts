import type Router from '@koa/router';
import { ref } from '../openapi';
import { statusPage } from './status';
import type { AppContext, Routes } from '../types';

/** The service index as JSON, or the status page for a client that prefers HTML (a browser). */
export const rootRoute: Routes = {
  paths: () => ({
    '/': {
      get: {
        summary: 'Service name, version and links; the status page when the client prefers text/html (a browser)',
        responses: {
          200: {
            description: 'service index (JSON), or the status page (HTML)',
            content: {
              'application/json': { schema: ref('ServiceIndex') },
              'text/html': { schema: { type: 'string' } },
            },
          },
        },
      },
    },
  }),
  register(router: Router, deps: AppContext) {
    const page = statusPage(deps);
    router.get('/', (ctx) => {
      ctx.vary('Accept');
      if (ctx.accepts('json', 'html') === 'html') return page(ctx);
      ctx.body = {
        service: deps.service.name,
        version: deps.service.version,
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
  },
};
