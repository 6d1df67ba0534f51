import type { Clock } from '../smoke/types';
import type { Refusals } from './types';

/** Counts the scrapes of /metrics refused for the token (401): the metric read-back names them in a miss. */
export function createScrapeWatch(now: Clock): Refusals & { refusedOne(): void } {
  let count = 0;
  let lastAtMs = 0;
  return {
    refused: () => (count > 0 ? { count, lastAtMs } : undefined),
    refusedOne() {
      count += 1;
      lastAtMs = now();
    },
  };
}
