import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import { METRICS_PATH, METRIC_NAME_PATTERN } from '../../vocabulary';
import { GUARDED, UNAUTHORIZED, error, text } from '../openapi';
import type { AppContext, Routes } from '../types';

/**
 * `?name=<metric>` (repeatable) serves only those families, as a scraper of one series would ask:
 * the metric read-back polls its own counter this way rather than rendering everything.
 */
export const metricsRoutes: Routes = {
  paths: () => ({
    [METRICS_PATH]: {
      get: {
        summary: 'Prometheus metrics; OpenMetrics with exemplars when asked',
        ...GUARDED,
        parameters: [
          {
            name: 'name',
            in: 'query',
            required: false,
            description: 'only these metric families (repeatable)',
            schema: { type: 'array', items: { type: 'string', pattern: METRIC_NAME_PATTERN.source } },
            style: 'form',
            explode: true,
          },
        ],
        responses: {
          200: text(['text/plain', 'application/openmetrics-text'], 'exposition'),
          400: error('a name that is not a metric name'),
          ...UNAUTHORIZED,
        },
      },
    },
  }),
  register(router: Router, deps: AppContext) {
    // A scrape refused for the token is noted: the metric read-back says so when it misses. Only a
    // token refuses one, so without a token there is nothing to note and no layer to pay for.
    const noteRefusal = async (_ctx: Context, next: Next) => {
      try {
        await next();
      } catch (err) {
        if ((err as { status?: number }).status === 401) deps.scrapes.refusedOne();
        throw err;
      }
    };
    const guarded = deps.guard.auth.length > 0 ? [noteRefusal, ...deps.guard.auth] : [];
    router.get('metrics', METRICS_PATH, ...guarded, async (ctx) => {
      const asked = ctx.query.name;
      const names = asked === undefined ? undefined : [asked].flat();
      if (names?.some((n) => !METRIC_NAME_PATTERN.test(n)))
        return ctx.throw(400, '"name" must be a metric name: letters, digits, _ and : (not starting with a digit)');
      const { contentType, body } = await deps.renderMetrics(ctx.get('Accept') || undefined, names);
      ctx.type = contentType;
      ctx.body = body;
    });
  },
};
