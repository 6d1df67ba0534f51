import type Router from '@koa/router';
import type { Config } from '../../config/schema';
import { runResponse } from '../answers';
import { LIMITED, SHED, json, ref } from '../openapi';
import type { AppContext, Routes } from '../types';
import { startRun } from './smokeTest';

type LegacyConfig = Config['legacyRoutes'];

/** Earlier PetSage paths and what each answered: an alias onto a smoke run or a health answer. */
export const LEGACY_ROUTES = {
  systemHealthz: { path: '/system/healthz', kind: 'health' },
  v1SmokeTest: { path: '/v1/smoke_test/', kind: 'smoke' },
  apiV1SmokeTest: { path: '/api/v1/smoke-test', kind: 'smoke' },
  smokeTestSlash: { path: '/smoke-test/', kind: 'smoke' },
  apiV1Health: { path: '/api/v1/health', kind: 'service' },
} as const satisfies Record<keyof LegacyConfig, { path: string; kind: 'health' | 'smoke' | 'service' }>;

export function enabledLegacyRoutes(config: LegacyConfig) {
  return (Object.keys(LEGACY_ROUTES) as (keyof LegacyConfig)[])
    .filter((key) => config[key].enabled)
    .map((key) => ({ key, ...LEGACY_ROUTES[key] }));
}

const SCHEMA = { smoke: 'RunResponse', health: 'LegacyHealth', service: 'LegacyService' } as const;

export const legacyRoutes: Routes = {
  paths: (deps) =>
    Object.fromEntries(
      enabledLegacyRoutes(deps.legacy).map(({ path, kind }) => [
        path,
        {
          get: {
            summary: `Earlier PetSage path (alias, ${kind})`,
            tags: ['legacy'],
            responses: { 200: json(ref(SCHEMA[kind]), 'ok'), ...(kind === 'smoke' ? { ...LIMITED, ...SHED } : {}) },
          },
        },
      ]),
    ),
  register(router: Router, deps: AppContext) {
    for (const { key, path, kind } of enabledLegacyRoutes(deps.legacy)) {
      const settings = deps.legacy[key];
      const message = 'message' in settings ? String(settings.message) : '';
      // A handler function per path (see smokeTest.ts): the router span names the path called.
      if (kind === 'smoke') {
        router.get(path, ...deps.guard.runs, (ctx) => {
          ctx.body = runResponse(startRun(ctx, deps.runs, 'http').run, deps.service, message);
        });
      } else if (kind === 'health') {
        router.get(path, (ctx) => {
          ctx.body = { status: 'ok', message };
        });
      } else {
        router.get(path, (ctx) => {
          ctx.body = { status: 'ok', service_name: deps.service.name, version: deps.service.version };
        });
      }
    }
  },
};
