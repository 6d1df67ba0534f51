import type { ScheduleState } from '../vocabulary';
import type { Clock } from './types';

/** Triggers a run every interval; can be suspended and resumed at run time, and stopped for good. */
export interface Scheduler {
  readonly state: ScheduleState;
  readonly intervalMs: number;
  /** When the next scheduled run is due (epoch ms); undefined unless running. */
  readonly nextRunAtMs: number | undefined;
  suspend(): void;
  resume(): void;
  stop(): void;
}

export interface SchedulerOptions {
  intervalMs: number;
  tick: () => void;
  now?: Clock;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const now = options.now ?? Date.now;
  let state: Scheduler['state'] = options.intervalMs > 0 ? 'running' : 'disabled';
  let timer: NodeJS.Timeout | undefined;
  let lastAtMs = 0;
  const arm = () => {
    lastAtMs = now();
    timer = setInterval(() => {
      lastAtMs = now();
      options.tick();
    }, options.intervalMs);
    timer.unref(); // the schedule alone does not keep the process up: the server does
  };
  if (state === 'running') arm();

  return {
    get state() {
      return state;
    },
    intervalMs: options.intervalMs,
    get nextRunAtMs() {
      return state === 'running' ? lastAtMs + options.intervalMs : undefined;
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
