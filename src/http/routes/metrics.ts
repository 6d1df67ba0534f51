import type Router from '@koa/router';
import type { Render } from '../../telemetry/exposition';
import type { Guards } from '../app';

export const METRICS_PATH = '/metrics';

export function metricsRoutes(router: Router, render: Render, guard: Guards): void {
  router.get('metrics', METRICS_PATH, ...guard.auth, async (ctx) => {
    const { contentType, body } = await render(ctx.get('Accept') || undefined);
    ctx.type = contentType;
    ctx.body = body;
  });
}
