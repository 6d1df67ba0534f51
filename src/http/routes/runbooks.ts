import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type Router from '@koa/router';
import { text } from '../openapi';
import type { Routes } from '../types';

export const RUNBOOKS_PATH = '/runbooks';
/** docs/runbooks.md, shipped with the package: the alert rules' runbook_url points here unless Prometheus' runbook_base says otherwise. */
export const RUNBOOKS_FILE = path.join(__dirname, '..', '..', '..', '..', 'docs', 'runbooks.md');
/** No script, no style, nothing from elsewhere: the page is the runbooks' text and their anchors. */
export const RUNBOOKS_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The runbooks as HTML, an `id` on each heading as GitHub gives it (`#petsagesmokedown`). */
async function render(): Promise<string> {
  // ESM-only packages, loaded on the first request: start-up does not pay for a page that is rarely read.
  const [{ Marked }, { gfmHeadingId }] = await Promise.all([import('marked'), import('marked-gfm-heading-id')]);
  const body = await new Marked(gfmHeadingId()).parse(await readFile(RUNBOOKS_FILE, 'utf8'));
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>petsage-smoke runbooks</title></head>
<body>
${body}</body>
</html>
`;
}

/** GET /runbooks: what to do about each alert, served by the daemon that raised it. */
export const runbookRoutes: Routes = {
  paths: () => ({
    [RUNBOOKS_PATH]: {
      get: {
        summary: 'What to do about each alert (docs/runbooks.md)',
        responses: { 200: text(['text/html'], 'HTML') },
      },
    },
  }),
  register(router: Router) {
    let page: Promise<string> | undefined;
    router.get(RUNBOOKS_PATH, async (ctx) => {
      ctx.set('Content-Security-Policy', RUNBOOKS_CSP);
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = await (page ??= render().catch((err: unknown) => {
        page = undefined; // a later request tries again
        throw err;
      }));
    });
  },
};
