import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';
import { error, text } from '../openapi';
import type { AppContext, Routes } from '../types';

/** Names of the docs page's assets. */
export const DOCS_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'init.js'] as const;

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
export const docsRoutes: Routes = {
  paths: () => ({
    '/openapi.json': {
      get: {
        summary: 'This document',
        responses: {
          200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
    },
    '/docs': { get: { summary: 'API documentation page', responses: { 200: text(['text/html'], 'HTML') } } },
    '/docs/{asset}': {
      get: {
        summary: "The docs page's scripts and styles",
        parameters: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: DOCS_ASSETS } }],
        responses: { 200: text(['text/css', 'text/javascript'], 'asset'), 404: error('unknown asset') },
      },
    },
  }),
  register(router: Router, deps: AppContext) {
    let document: string | undefined;
    // A Map, not an object: a name such as "constructor" must be just an unknown asset.
    const cache = new Map<string, Buffer>([['init.js', Buffer.from(INIT)]]);
    router.get('/openapi.json', (ctx) => {
      ctx.type = 'application/json';
      ctx.body = document ??= JSON.stringify(deps.openApi());
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
  },
};
