import { Counter, Gauge, Histogram } from 'prom-client';
import {
  METRIC,
  SIGNALS,
  VERDICT_KINDS,
  type Exemplar,
  type Signal,
  type VerifyOutcome,
  type VerifyReason,
} from '../../vocabulary';
import { bucketOf, createExemplarGate } from './exemplars';
import { seriesProfile, type SeriesProfile } from './profile';
import { asLabels } from './runs';
import type { MetricsRegistry } from './registry';

/** One read-back verdict, as the metrics see it. */
export interface VerdictSample {
  readonly signal: Signal;
  readonly outcome: VerifyOutcome;
  readonly reason: VerifyReason;
  readonly lagSeconds?: number;
  readonly at: Date;
}

/** Failed read-backs in a row and the reason that began the streak (kept by the signal health). */
export type StreakOf = (signal: Signal) => { readonly count: number; readonly reason: VerifyReason };

/** How one pipeline reads back: the alert rules and the lag buckets scale with these. */
export interface ReadBackSettings {
  readonly intervalSeconds: number;
  readonly verifyTimeoutSeconds: number;
  readonly scrapeIntervalSeconds: number;
}

/**
 * The read-back's verdicts as metrics: counted by outcome and reason, the lag of each verified one
 * (with its trace as exemplar), when each signal was last verified, and failure streaks. Verdicts
 * come three per run: counted in plain numbers and handed to prom-client when scraped. The lag buckets:
 * one set for every pipeline, with each pipeline's counter interval, so that each one's bound is a bucket's.
 */
export function createVerdictMetrics(
  registry: MetricsRegistry,
  counterIntervalsSeconds: readonly number[],
  nowMs: () => number,
  profile: SeriesProfile = seriesProfile('full'),
) {
  const registers = [registry];
  // A reason belongs to one outcome (VERDICT_KINDS), so pipeline, signal and reason find the series.
  type Tally = {
    readonly labels: Record<'pipeline' | 'signal' | 'outcome' | 'reason', string>;
    total: number;
    reported: number;
  };
  const tallies: Tally[] = [];
  new Counter({
    name: METRIC.verifications,
    help: 'Signal read-backs by outcome (verified, missing, error, skipped) and reason.',
    labelNames: ['pipeline', 'signal', 'outcome', 'reason'] as const,
    registers,
    collect() {
      for (const t of tallies) {
        // A series at 0 exists only where the profile starts it; the rest appear when first counted.
        if (t.total === 0 && !(profile.everyVerdictKind || t.labels.outcome === 'verified')) continue;
        this.inc(t.labels, t.total - t.reported);
        t.reported = t.total;
      }
    },
  });
  const lagExemplars = createExemplarGate();
  const buckets = profile.lagBuckets(counterIntervalsSeconds);
  const lag = new Histogram({
    name: METRIC.lag,
    help: 'Seconds from a run to the confirmation that its signal arrived.',
    labelNames: ['pipeline', 'signal'] as const,
    buckets,
    registers,
    enableExemplars: true,
    collect: () => lagExemplars.read(),
  });
  // Set at collection: a verified verdict only notes the time.
  const startedSeconds = Math.floor(nowMs() / 1000);
  const lastVerified: { readonly pipeline: string; readonly signal: Signal; seconds: number }[] = [];
  new Gauge({
    name: METRIC.lastVerified,
    help: 'Unix time of the last verified read-back per signal; the process start time until the first one.',
    labelNames: ['pipeline', 'signal'] as const,
    registers,
    collect() {
      for (const l of lastVerified) this.set({ pipeline: l.pipeline, signal: l.signal }, l.seconds);
    },
  });
  // One series per signal (reason "none" while it is not failing), stable while a failure lasts, so
  // an alert on it neither flaps between reasons nor waits out a window after the repair.
  const streaks: { pipeline: string; of: StreakOf }[] = [];
  new Gauge({
    name: METRIC.consecutiveFailures,
    help: 'Read-backs of the signal that failed (missing or error) in a row; reason: the one that began the streak.',
    labelNames: ['pipeline', 'signal', 'reason'] as const,
    registers,
    collect() {
      this.reset();
      for (const { pipeline, of } of streaks) {
        for (const signal of SIGNALS) {
          const s = of(signal);
          this.set({ pipeline, signal, reason: s.reason }, s.count);
        }
      }
    },
  });
  const setting = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ['pipeline'] as const, registers });
  const interval = setting(METRIC.scheduleInterval, 'Seconds between scheduled runs (0: no schedule).');
  const timeout = setting(
    METRIC.verifyTimeout,
    'Seconds a run waits for each signal to be read back before it is missing.',
  );
  const scrape = setting(
    METRIC.scrapeInterval,
    'Seconds between the deliveries of the run counter the metric signal waits for: verify.metrics.scrapeInterval, or metrics.otlp.interval when pushed.',
  );

  return {
    /** One pipeline's verdict recorder; its series start at 0. */
    forPipeline(pipeline: string, settings: ReadBackSettings, streakOf: StreakOf) {
      interval.set({ pipeline }, settings.intervalSeconds);
      timeout.set({ pipeline }, settings.verifyTimeoutSeconds);
      scrape.set({ pipeline }, settings.scrapeIntervalSeconds);
      streaks.push({ pipeline, of: streakOf });
      // Per signal, made once: its tallies by reason, its lag labels and its last-verified time.
      const bySignal = new Map<
        Signal,
        { reasons: Map<VerifyReason, Tally>; labels: { pipeline: string; signal: Signal }; last: { seconds: number } }
      >();
      for (const signal of SIGNALS) {
        const reasons = new Map<VerifyReason, Tally>();
        for (const [outcome, reason] of VERDICT_KINDS) {
          const tally = { labels: { pipeline, signal, outcome, reason }, total: 0, reported: 0 };
          tallies.push(tally);
          reasons.set(reason, tally);
        }
        const last = { pipeline, signal, seconds: startedSeconds };
        lastVerified.push(last);
        bySignal.set(signal, { reasons, labels: { pipeline, signal }, last });
        lag.zero({ pipeline, signal });
      }
      return (verdict: VerdictSample, exemplar?: Exemplar): void => {
        const of = bySignal.get(verdict.signal);
        if (!of) return;
        const tally = of.reasons.get(verdict.reason);
        if (tally) tally.total += 1;
        if (verdict.outcome !== 'verified' || verdict.lagSeconds === undefined) return;
        const value = verdict.lagSeconds;
        const linked = exemplar && lagExemplars.wants(`${pipeline} ${verdict.signal} ${bucketOf(buckets, value)}`);
        lag.observe({ labels: of.labels, value, ...(linked ? { exemplarLabels: asLabels(exemplar) } : {}) });
        of.last.seconds = verdict.at.getTime() / 1000;
      };
    },
  };
}
