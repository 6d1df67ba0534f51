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

export function createScheduler(o: { intervalMs: number; tick: () => void; now?: Clock }): Scheduler {
  const now = o.now ?? Date.now;
  let state: Scheduler['state'] = o.intervalMs > 0 ? 'running' : 'disabled';
  let timer: NodeJS.Timeout | undefined;
  let lastAtMs = 0;
  const arm = () => {
    lastAtMs = now();
    timer = setInterval(() => {
      lastAtMs = now();
      o.tick();
    }, o.intervalMs);
    timer.unref(); // the schedule alone does not keep the process up: the server does
  };
  if (state === 'running') arm();

  return {
    get state() {
      return state;
    },
    intervalMs: o.intervalMs,
    get nextRunAtMs() {
      return state === 'running' ? lastAtMs + o.intervalMs : undefined;
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
