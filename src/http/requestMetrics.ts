import type { Context } from 'koa';
import type { RequestLabels } from '../telemetry/metrics';
import type { Exemplar } from '../vocabulary';
import type { RequestState } from './types';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/**
 * One request into the duration histogram. Labels are the matched route template (or
 * "unmatched"), a known method (or "OTHER") and the status code: never request text.
 * The exemplar is the run's span, or the request's own span when request spans are on.
 */
export function recordRequest(
  ctx: Context,
  seconds: number,
  observe: (labels: RequestLabels, seconds: number, exemplar?: Exemplar) => void,
  exemplar: () => Exemplar | undefined,
): void {
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  observe(
    {
      route: typeof matched === 'string' ? matched : 'unmatched',
      method: METHODS.has(ctx.method) ? ctx.method : 'OTHER',
      status: String(ctx.status),
    },
    seconds,
    (ctx.state as RequestState).exemplar ?? exemplar(),
  );
}
