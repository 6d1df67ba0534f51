import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';
import { DOCS_ASSETS } from '../openapi';

/** The docs UI (swagger-ui-dist) served from the package itself: no CDN. */
const UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSET_TYPES = new Map<string, string>(
  DOCS_ASSETS.map((name) => [
    name,
    name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
  ]),
);
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>petsage-smoke API</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body>
</html>
`;
const INIT = "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n";

/** The OpenAPI document (built on first request: start-up stays fast) and the page that renders it. */
export function docsRoutes(router: Router, buildDocument: () => unknown): void {
  let document: string | undefined;
  // A Map, not an object: a name such as "constructor" must be just an unknown asset.
  const cache = new Map<string, Buffer>([['init.js', Buffer.from(INIT)]]);
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = document ??= JSON.stringify(buildDocument());
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = PAGE;
  });
  router.get('/docs/:asset', (ctx) => {
    const file = ctx.params.asset ?? '';
    const type = ASSET_TYPES.get(file);
    if (!type) return ctx.throw(404, 'no such docs asset');
    let body = cache.get(file);
    if (!body) cache.set(file, (body = readFileSync(path.join(UI_DIR, file))));
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = body;
  });
}
