import type Router from '@koa/router';
import type { Scheduler } from '../../smoke/scheduler';
import type { Guards } from '../types';

/** Run-time control of the schedule (Prometheus-style /-/ admin paths). */
export function adminRoutes(router: Router, scheduler: Scheduler, guard: Guards): void {
  router.post('/-/suspend', ...guard.post, ...guard.auth, (ctx) => {
    scheduler.suspend();
    ctx.body = { schedule: scheduler.state };
  });
  router.post('/-/resume', ...guard.post, ...guard.auth, (ctx) => {
    scheduler.resume();
    ctx.body = { schedule: scheduler.state };
  });
}
