import type Router from '@koa/router';
import type { Scheduler } from '../../smoke/scheduler';

/** Run-time control of the schedule (Prometheus-style /-/ admin paths). */
export function adminRoutes(router: Router, scheduler: Scheduler): void {
  router.post('/-/suspend', (ctx) => {
    scheduler.suspend();
    ctx.body = { schedule: scheduler.state };
  });
  router.post('/-/resume', (ctx) => {
    scheduler.resume();
    ctx.body = { schedule: scheduler.state };
  });
}
