import type { Context } from 'koa';
import { Histogram } from 'prom-client';
import { bucketOf, createExemplarGate } from '../telemetry/metrics/exemplars';
import { asLabels } from '../telemetry/metrics/runs';
import type { MetricsRegistry } from '../telemetry/metrics/registry';
import { seriesProfile, type SeriesProfile } from '../telemetry/metrics/profile';
import { METRIC, PROBE_PATH, SMOKE_TEST_PATH, type Exemplar } from '../vocabulary';
import type { RequestState } from './types';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** The routes that start a run: the ones a panel times in every profile. */
const RUN_ROUTES = new Set([SMOKE_TEST_PATH, '/api/v1/smoke-test', PROBE_PATH]);

/** Request labels come from the route table and fixed sets, never from the request text. */
export interface RequestLabels {
  readonly route: string;
  readonly method: string;
  readonly status: string;
}

export type ObserveRequest = (ctx: Context, seconds: number) => void;

/**
 * The request-duration histogram, by route template (or "unmatched"), a known method (or "OTHER")
 * and the status code: never request text. The exemplar is the run's span, or the request's own
 * span when request spans are on. `initial` series start at 0: the answers users graph. The profile
 * may time the run routes alone.
 */
export function createRequestMetrics(
  registry: MetricsRegistry,
  options: {
    currentExemplar: () => Exemplar | undefined;
    initial: readonly RequestLabels[];
    profile?: SeriesProfile;
  },
): ObserveRequest {
  const profile = options.profile ?? seriesProfile('full');
  const buckets = profile.requestBuckets;
  const exemplars = createExemplarGate();
  const duration = new Histogram({
    name: METRIC.httpDuration,
    help: 'HTTP request duration by route template, method and status code, in seconds.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [...buckets],
    registers: [registry],
    enableExemplars: true,
    collect: () => exemplars.read(),
  });
  for (const labels of options.initial) duration.zero({ ...labels });
  return (ctx, seconds) => {
    const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
    const route = typeof matched === 'string' ? matched : 'unmatched';
    if (profile.timedRoutes === 'runs' && !RUN_ROUTES.has(route)) return;
    const labels = {
      route,
      method: METHODS.has(ctx.method) ? ctx.method : 'OTHER',
      status: String(ctx.status),
    };
    const exemplar = (ctx.state as RequestState).exemplar ?? options.currentExemplar();
    const linked =
      exemplar && exemplars.wants(`${labels.route} ${labels.method} ${labels.status} ${bucketOf(buckets, seconds)}`);
    duration.observe({ labels, value: seconds, ...(linked ? { exemplarLabels: asLabels(exemplar) } : {}) });
  };
}
