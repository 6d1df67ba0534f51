import type Router from '@koa/router';
import type { Render } from '../../telemetry/exposition';

export const METRICS_PATH = '/metrics';

export function metricsRoutes(router: Router, render: Render): void {
  router.get('metrics', METRICS_PATH, async (ctx) => {
    const { contentType, body } = await render(ctx.get('Accept') || undefined);
    ctx.type = contentType;
    ctx.body = body;
  });
}
