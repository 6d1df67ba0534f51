import type { SERIES_PROFILES } from '../../config/sections/telemetry';
import type { SpotOutcome } from '../../vocabulary';

export type SeriesProfileName = (typeof SERIES_PROFILES)[number];

/**
 * How many series a daemon costs its metrics store (docs/operations.md#series-per-daemon). "full":
 * every series a panel or rule could want, from the start. "node", for a daemon on every node: only
 * the series the shipped rules and panels read exist before their first sample, and each histogram
 * keeps the buckets they need.
 */
export interface SeriesProfile {
  readonly name: SeriesProfileName;
  /** Verdict series at 0 from the start: every outcome and reason, or the verified ones (a failure's series appears with it). */
  readonly everyVerdictKind: boolean;
  /** Spot-check outcomes at 0 from the start; the others appear when first counted. */
  readonly spotOutcomes: readonly SpotOutcome[];
  /** Triggers whose run series are at 0 from the start; the others appear with their first run. */
  readonly runTriggers: 'all' | 'schedule';
  /** Routes whose requests are timed: every route, or those a panel reads (the runs). */
  readonly timedRoutes: 'all' | 'runs';
  readonly requestBuckets: readonly number[];
  readonly runBuckets: readonly number[];
  /** The lag histogram's buckets: one set for every pipeline, with each one's counter interval (a scrape or a push) in it. */
  lagBuckets(counterIntervalsSeconds: readonly number[]): number[];
  /** prom-client's process metrics kept: all, or those the dashboard reads (and the ones whose collect sets them). */
  readonly processMetrics: 'all' | readonly string[];
}

const BASE_LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** PetsageSmokeSignalLagHigh's bound for logs and spans, in seconds: a bucket in every profile. */
const LAG_BOUND_SECONDS = 10;
const times = (factors: readonly number[], seconds: number) => factors.map((k) => Number((k * seconds).toFixed(3)));
const bucketSet = (...sets: number[][]) => [...new Set(sets.flat())].filter((b) => b > 0).sort((a, b) => a - b);

const FULL: SeriesProfile = {
  name: 'full',
  everyVerdictKind: true,
  spotOutcomes: ['found', 'lost_after_ingest', 'error'],
  runTriggers: 'all',
  timedRoutes: 'all',
  // Few on purpose: the request histogram is most of what a scrape carries.
  requestBuckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5],
  runBuckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
  // Fine below a second (a file, an exporter), and steps of each interval above it, where the metric
  // signal's lag lies (an interval and a poll at most, on a healthy pipeline), so each pipeline's
  // alert bound (1.5x its own interval) is a bucket bound with more above it.
  lagBuckets: (intervals) => bucketSet(BASE_LAG_BUCKETS, ...intervals.map((i) => times([0.5, 1, 1.5, 2, 3, 4], i))),
  processMetrics: 'all',
};

const NODE: SeriesProfile = {
  name: 'node',
  everyVerdictKind: false,
  // PetsageSmokeSignalLostAfterIngest takes the increase of this one: it must be there before it moves.
  spotOutcomes: ['lost_after_ingest'],
  runTriggers: 'schedule',
  timedRoutes: 'runs',
  requestBuckets: [0.005, 0.05, 0.5],
  runBuckets: [0.001, 0.01, 0.1],
  // The lag alert's bounds (10 s; 1.5 intervals) and one step either side of the latter.
  lagBuckets: (intervals) => bucketSet([1, LAG_BOUND_SECONDS], ...intervals.map((i) => times([1, 1.5, 3], i))),
  processMetrics: [
    // Set by the first one's collect.
    'process_cpu_user_seconds_total',
    'process_cpu_system_seconds_total',
    'process_cpu_seconds_total',
    'process_start_time_seconds',
    'process_resident_memory_bytes',
    // Set by the first one's collect (heap used), and by the event-loop lag's (its mean and p99).
    'nodejs_heap_size_total_bytes',
    'nodejs_heap_size_used_bytes',
    'nodejs_eventloop_lag_seconds',
    'nodejs_eventloop_lag_mean_seconds',
    'nodejs_eventloop_lag_p99_seconds',
  ],
};

export const seriesProfile = (name: SeriesProfileName): SeriesProfile => (name === 'node' ? NODE : FULL);
