import type { Context, Middleware } from 'koa';
import { Counter } from 'prom-client';
import type { MetricsRegistry } from '../telemetry/metrics/registry';
import { DEFAULT_PIPELINE, METRIC } from '../vocabulary';

/** How far behind the log and span pipelines are. */
export interface Overload {
  /** Lines logged and not yet handed to the file, and the most allowed (log.maxBacklog). */
  readonly logBacklog: () => number;
  readonly maxLogBacklog: number;
  /** How full a pipeline's span queue is, from 0 to 1. */
  readonly spanBacklog: (pipeline: string) => number;
}

/** Past half its queue, a span pipeline is behind: the rest is room for what is already running. */
export const SPAN_BACKLOG_SHARE = 0.5;
/** Seconds a shed client is asked to wait. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Overload sheds rather than queues: while the log or a span pipeline is behind its bound, a run
 * request without the token is answered 503 with Retry-After (and counted) before it makes anything;
 * deploy gates (POST) and requests with the token are not shed, so they keep being served and verified.
 */
export function shedWhenBehind(
  overload: Overload,
  hasToken: (ctx: Context) => boolean,
  registry: MetricsRegistry,
): Middleware {
  const shed = new Counter({
    name: METRIC.runsShed,
    help: 'Run requests refused (503) because the log or a span pipeline had fallen behind, by which.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  shed.inc({ reason: 'log_backlog' }, 0);
  shed.inc({ reason: 'span_backlog' }, 0);
  return async (ctx, next) => {
    // A pipeline whose collector is behind sheds its own runs only: another pipeline's go on.
    const asked = ctx.query.pipeline;
    const pipeline = typeof asked === 'string' ? asked : DEFAULT_PIPELINE;
    const reason =
      overload.logBacklog() > overload.maxLogBacklog
        ? 'log_backlog'
        : overload.spanBacklog(pipeline) > SPAN_BACKLOG_SHARE
          ? 'span_backlog'
          : undefined;
    if (reason && !hasToken(ctx)) {
      shed.inc({ reason });
      ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
      return ctx.throw(503, 'the daemon is behind on writing its log or exporting its spans; try again later', {
        expose: true,
        headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      });
    }
    await next();
  };
}
