import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';

/** The docs UI (swagger-ui-dist) served from the package itself: no CDN. */
const UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSET_TYPES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'init.js': 'text/javascript; charset=utf-8',
};
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>petsage-smoke API</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body>
</html>
`;
const INIT = "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n";

export function docsRoutes(router: Router, openapi: unknown): void {
  const document = JSON.stringify(openapi);
  const cache = new Map<string, Buffer>(); // read on first request: start-up stays fast
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = document;
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = PAGE;
  });
  cache.set('init.js', Buffer.from(INIT));
  router.get('/docs/:asset', (ctx) => {
    const file = ctx.params.asset ?? '';
    const type = ASSET_TYPES[file];
    if (!type) return ctx.throw(404, 'no such docs asset');
    let body = cache.get(file);
    if (!body) cache.set(file, (body = readFileSync(path.join(UI_DIR, file))));
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = body;
  });
}
