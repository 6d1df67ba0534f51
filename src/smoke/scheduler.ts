import type { ScheduleState } from '../vocabulary';

/** Triggers a run every interval; can be suspended and resumed at run time, and stopped for good. */
export interface Scheduler {
  readonly state: ScheduleState;
  suspend(): void;
  resume(): void;
  stop(): void;
}

export function createScheduler(o: { intervalMs: number; tick: () => void }): Scheduler {
  let state: Scheduler['state'] = o.intervalMs > 0 ? 'running' : 'disabled';
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setInterval(() => o.tick(), o.intervalMs);
    timer.unref(); // the schedule alone does not keep the process up: the server does
  };
  if (state === 'running') arm();

  return {
    get state() {
      return state;
    },
    suspend() {
      if (state !== 'running') return;
      clearInterval(timer);
      state = 'suspended';
    },
    resume() {
      if (state !== 'suspended') return;
      state = 'running';
      arm();
    },
    stop() {
      clearInterval(timer);
      if (state !== 'disabled') state = 'stopped';
    },
  };
}
