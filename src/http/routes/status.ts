import type Router from '@koa/router';
import type Koa from 'koa';
import { STATUS_ASSETS } from '../openapi';
import { STATUS_CSS, STATUS_ICON, STATUS_JS } from '../status/assets';
import { renderStatusPage } from '../status/page';
import { statusView, type StatusSources } from '../status/view';

/** The status page allows its own stylesheet and script and nothing inline (SVG is markup, not style). */
export const STATUS_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
export const STATUS_PATH = '/status';

const ASSET_BODIES: Record<(typeof STATUS_ASSETS)[number], { type: string; body: string }> = {
  'status.css': { type: 'text/css; charset=utf-8', body: STATUS_CSS },
  'status.js': { type: 'text/javascript; charset=utf-8', body: STATUS_JS },
  'favicon.svg': { type: 'image/svg+xml', body: STATUS_ICON },
};
// A Map, not an object: a name such as "constructor" must be just an unknown asset.
const ASSETS = new Map(STATUS_ASSETS.map((name) => [name as string, ASSET_BODIES[name]]));

/**
 * The page a person reads: GET /status, and GET / when the client prefers HTML. With auth.token
 * set and absent from the request it shows only what the open /healthz shows.
 */
export function statusRoutes(
  router: Router,
  sources: StatusSources,
  seesRuns: (ctx: Koa.Context) => boolean,
): (ctx: Koa.Context) => void {
  const page = (ctx: Koa.Context) => {
    ctx.set('Content-Security-Policy', STATUS_CSP);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = renderStatusPage(statusView(sources, seesRuns(ctx)), sources.service.version);
  };
  router.get(STATUS_PATH, page);
  router.get(`${STATUS_PATH}/:asset`, (ctx) => {
    const asset = ASSETS.get(ctx.params.asset ?? '');
    if (!asset) return ctx.throw(404, 'no such status page asset');
    ctx.type = asset.type;
    // Versioned by the page's ?v=: a new release fetches anew.
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = asset.body;
  });
  return page;
}
