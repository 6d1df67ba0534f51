import type Router from '@koa/router';
import type Koa from 'koa';
import { error, text } from '../openapi';
import { STATUS_CSS, STATUS_ICON, STATUS_JS } from '../status/assets';
import { renderStatusPage } from '../status/page';
import { statusView } from '../status/view';
import type { AppContext, Routes } from '../types';

/** Names of the status page's assets. */
export const STATUS_ASSETS = ['status.css', 'status.js', 'favicon.svg'] as const;

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
export function statusPage(deps: AppContext): (ctx: Koa.Context) => void {
  const sources = { ...deps, draining: () => deps.lifecycle.draining };
  return (ctx) => {
    ctx.set('Content-Security-Policy', STATUS_CSP);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = renderStatusPage(statusView(sources, deps.seesAll(ctx)), deps.service.version);
  };
}

export const statusRoutes: Routes = {
  paths: () => ({
    [STATUS_PATH]: {
      get: {
        summary:
          'Status page: per-signal state, recent runs, lag; with auth.token set and not given, only what /healthz shows',
        responses: { 200: text(['text/html'], 'HTML') },
      },
    },
    [`${STATUS_PATH}/{asset}`]: {
      get: {
        summary: "The status page's stylesheet, script and icon",
        parameters: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: STATUS_ASSETS } }],
        responses: {
          200: text(['text/css', 'text/javascript', 'image/svg+xml'], 'asset'),
          404: error('unknown asset'),
        },
      },
    },
  }),
  register(router: Router, deps: AppContext) {
    router.get(STATUS_PATH, statusPage(deps));
    router.get(`${STATUS_PATH}/:asset`, (ctx) => {
      const asset = ASSETS.get(ctx.params.asset ?? '');
      if (!asset) return ctx.throw(404, 'no such status page asset');
      ctx.type = asset.type;
      // Versioned by the page's ?v=: a new release fetches anew.
      ctx.set('Cache-Control', 'public, max-age=86400');
      ctx.body = asset.body;
    });
  },
};
