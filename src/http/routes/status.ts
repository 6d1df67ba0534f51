import type Router from '@koa/router';
import type Koa from 'koa';
import { error, text } from '../openapi';
import type * as Assets from '../status/assets';
import type * as Page from '../status/page';
import type * as View from '../status/view';
import type { AppContext, Routes } from '../types';

/** Names of the status page's assets. */
export const STATUS_ASSETS = ['status.css', 'status.js', 'favicon.svg'] as const;

/** The status page allows its own stylesheet and script and nothing inline (SVG is markup, not style). */
export const STATUS_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
export const STATUS_PATH = '/status';

/* eslint-disable @typescript-eslint/no-require-imports */
// The page, its view and its assets are loaded on the first request for them: a daemon nobody looks
// at does not hold them. Each service keeps what it loaded; the module keeps nothing.
const pageModules = () => ({
  render: (require('../status/page') as typeof Page).renderStatusPage,
  view: (require('../status/view') as typeof View).statusView,
});
function loadAssets(): Map<string, { type: string; body: string }> {
  const { STATUS_CSS, STATUS_ICON, STATUS_JS } = require('../status/assets') as typeof Assets;
  const bodies: Record<(typeof STATUS_ASSETS)[number], { type: string; body: string }> = {
    'status.css': { type: 'text/css; charset=utf-8', body: STATUS_CSS },
    'status.js': { type: 'text/javascript; charset=utf-8', body: STATUS_JS },
    'favicon.svg': { type: 'image/svg+xml', body: STATUS_ICON },
  };
  // A Map, not an object: a name such as "constructor" must be just an unknown asset.
  return new Map(STATUS_ASSETS.map((name) => [name as string, bodies[name]]));
}
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The page a person reads: GET /status, and GET / when the client prefers HTML. With auth.token
 * set and absent from the request it shows only what the open /healthz shows.
 */
export function statusPage(deps: AppContext): (ctx: Koa.Context) => void {
  const sources = { ...deps, draining: () => deps.lifecycle.draining };
  let modules: ReturnType<typeof pageModules> | undefined;
  return (ctx) => {
    ctx.set('Content-Security-Policy', STATUS_CSP);
    ctx.type = 'text/html; charset=utf-8';
    const { render, view } = (modules ??= pageModules());
    ctx.body = render(view(sources, deps.seesAll(ctx)), deps.service.version);
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
    let assets: ReturnType<typeof loadAssets> | undefined;
    router.get(`${STATUS_PATH}/:asset`, (ctx) => {
      const asset = (assets ??= loadAssets()).get(ctx.params.asset ?? '');
      if (!asset) return ctx.throw(404, 'no such status page asset');
      ctx.type = asset.type;
      // Versioned by the page's ?v=: a new release fetches anew.
      ctx.set('Cache-Control', 'public, max-age=86400');
      ctx.body = asset.body;
    });
  },
};
