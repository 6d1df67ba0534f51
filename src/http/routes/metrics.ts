import type Router from '@koa/router';
import type { Render } from '../../telemetry/exposition';
import { METRICS_PATH, METRIC_NAME_PATTERN } from '../../vocabulary';
import type { Guards } from '../types';

/**
 * `?name=<metric>` (repeatable) serves only those families, as a scraper of one series would ask:
 * the metric read-back polls its own counter this way rather than rendering everything.
 */
export function metricsRoutes(router: Router, render: Render, guard: Guards): void {
  router.get('metrics', METRICS_PATH, ...guard.auth, async (ctx) => {
    const asked = ctx.query.name;
    const names = asked === undefined ? undefined : [asked].flat();
    if (names?.some((n) => !METRIC_NAME_PATTERN.test(n)))
      return ctx.throw(400, '"name" must be a metric name: letters, digits, _ and : (not starting with a digit)');
    const { contentType, body } = await render(ctx.get('Accept') || undefined, names);
    ctx.type = contentType;
    ctx.body = body;
  });
}
