import type Router from '@koa/router';
import { GUARDED, UNAUTHORIZED, error, json, ref } from '../openapi';
import type { AppContext, Routes } from '../types';

const ADMIN = {
  ...GUARDED,
  responses: {
    200: json(ref('Schedule'), 'schedule state'),
    ...UNAUTHORIZED,
    403: error('auth.token is unset and the client is not on this machine'),
  },
};

/** Run-time control of every pipeline's schedule (Prometheus-style /-/ admin paths). */
export const adminRoutes: Routes = {
  paths: () => ({
    '/-/suspend': { post: { summary: 'Pause the schedules', ...ADMIN } },
    '/-/resume': { post: { summary: 'Resume the schedules', ...ADMIN } },
  }),
  register(router: Router, deps: AppContext) {
    const schedules = () => deps.pipelines.map((p) => p.scheduler);
    // One word for all: the state of the schedules there are ('disabled' only when no pipeline has one).
    const answer = () => ({
      schedule: schedules().find((s) => s.state !== 'disabled')?.state ?? 'disabled',
    });
    router.post('/-/suspend', ...deps.guard.post, ...deps.guard.admin, (ctx) => {
      for (const s of schedules()) s.suspend();
      ctx.body = answer();
    });
    router.post('/-/resume', ...deps.guard.post, ...deps.guard.admin, (ctx) => {
      for (const s of schedules()) s.resume();
      ctx.body = answer();
    });
  },
};
