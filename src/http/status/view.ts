import type { Runs } from '../../runs';
import type { RunReport } from '../../verify/judge';
import type { PipelineView } from '../types';
import type { Verdict } from '../../verify/types';
import { SIGNALS, type HealthStatus, type ScheduleState, type Signal, type Trigger } from '../../vocabulary';
import { daemonHealth } from '../healthChecks';

/** Runs shown in the grid and the lag charts. */
export const RECENT_RUNS = 60;

/** One run and signal in the grid. */
export type Mark = 'verified' | 'failed' | 'missing' | 'skipped' | 'pending';

export interface SignalCard {
  readonly signal: Signal;
  readonly status: HealthStatus;
  /** Why the signal warns or fails (/healthz's output). */
  readonly output?: string;
  readonly sinceVerifiedSeconds?: number;
  /** The newest verdict of the signal (full view only). */
  readonly last?: Verdict;
  /** Per recent run, oldest first: its lag, 'failed' (error or missing), or undefined (pending, skipped). */
  readonly lags?: readonly Lag[];
  readonly p50?: number;
  readonly p99?: number;
  /** Over every receipt kept: runs verified, of those judged (not skipped, not pending). */
  readonly share?: { readonly verified: number; readonly judged: number };
}

export type Lag = number | 'failed' | undefined;

export interface RecentRun {
  readonly id: string;
  readonly seq: number;
  readonly trigger: Trigger;
  readonly startedAt: string;
  readonly marks: Readonly<Record<Signal, { readonly mark: Mark; readonly text: string }>>;
}

/** One pipeline's part of the page: its health, schedule, signal cards and recent runs. */
export interface PipelineSection {
  readonly name: string;
  readonly status: HealthStatus;
  readonly schedule: { readonly state: ScheduleState; readonly intervalMs: number; readonly nextInSeconds?: number };
  readonly cards: readonly SignalCard[];
  /** Absent when auth.token is set and the request lacks it: then only what /healthz shows. */
  readonly recent?: readonly RecentRun[];
  readonly receiptsKept?: number;
}

/** Everything the status page shows, read from the daemon's own state: a section per pipeline. */
export interface StatusView {
  readonly service: string;
  readonly version: string;
  readonly generatedAt: string;
  readonly uptimeSeconds: number;
  readonly status: HealthStatus;
  readonly draining: boolean;
  readonly pipelines: readonly PipelineSection[];
}

export interface StatusSources {
  readonly service: { readonly name: string; readonly version: string };
  readonly runs: Runs;
  readonly pipelines: readonly PipelineView[];
  readonly startedAtMs: number;
  readonly now: () => number;
  readonly draining: () => boolean;
}

export function markOf(verdict: Verdict | undefined): Mark {
  if (!verdict) return 'pending';
  if (verdict.outcome === 'error') return 'failed';
  return verdict.outcome;
}

const seconds = (s: number) => `${Number(s.toFixed(3))} s`;

/** What a mark says in words (its label and tooltip). */
export function markText(verdict: Verdict | undefined): string {
  if (!verdict) return 'pending';
  if (verdict.outcome === 'verified')
    return `verified in ${seconds(verdict.lagSeconds ?? 0)}${verdict.backend ? ` (${verdict.backend})` : ''}`;
  return `${markOf(verdict)}: ${verdict.reason}${verdict.backend ? ` (${verdict.backend})` : ''}`;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function card(
  signal: Signal,
  reports: readonly RunReport[] | undefined,
  check: { status: HealthStatus; output?: string; time?: string; observedValue?: number },
): SignalCard {
  const base = {
    signal,
    status: check.status,
    ...(check.output ? { output: check.output } : {}),
    ...(check.time && check.observedValue !== undefined ? { sinceVerifiedSeconds: check.observedValue } : {}),
  };
  if (!reports) return base;
  let last: Verdict | undefined;
  for (let i = reports.length - 1; i >= 0 && !last; i -= 1) last = reports[i]!.verdicts[signal];
  let verified = 0;
  let judged = 0;
  for (const r of reports) {
    const v = r.verdicts[signal];
    if (!v || v.outcome === 'skipped') continue;
    judged += 1;
    if (v.outcome === 'verified') verified += 1;
  }
  const lags = reports.slice(-RECENT_RUNS).map((r): Lag => {
    const mark = markOf(r.verdicts[signal]);
    return mark === 'verified'
      ? (r.verdicts[signal]!.lagSeconds ?? 0)
      : mark === 'failed' || mark === 'missing'
        ? 'failed'
        : undefined;
  });
  const sorted = lags.filter((l): l is number => typeof l === 'number').sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  return {
    ...base,
    ...(last ? { last } : {}),
    lags,
    ...(p50 !== undefined ? { p50 } : {}),
    ...(p99 !== undefined ? { p99 } : {}),
    share: { verified, judged },
  };
}

/** The page's data; `full` false gives only what /healthz shows (auth.token set, token absent). */
export function statusView(src: StatusSources, full: boolean): StatusView {
  const now = src.now();
  const health = daemonHealth(src.runs, src.pipelines, src.draining());
  const reports = full ? src.runs.reports() : undefined;
  return {
    service: src.service.name,
    version: src.service.version,
    generatedAt: new Date(now).toISOString(),
    uptimeSeconds: Math.max(0, (now - src.startedAtMs) / 1000),
    status: health.status,
    draining: src.draining(),
    pipelines: src.pipelines.map((p) => {
      const own = reports?.filter((r) => r.run.pipeline === p.name);
      const check = (s: Signal) => health.checks[`${s}:verification`]!.find((c) => c.pipeline === p.name)!;
      const next = p.scheduler.nextRunAtMs;
      return {
        name: p.name,
        status: health.pipelines[p.name] ?? 'pass',
        schedule: {
          state: p.scheduler.state,
          intervalMs: p.scheduler.intervalMs,
          ...(next !== undefined ? { nextInSeconds: Math.max(0, (next - now) / 1000) } : {}),
        },
        cards: SIGNALS.map((s) => card(s, own, check(s))),
        ...(own
          ? {
              receiptsKept: own.length,
              recent: own.slice(-RECENT_RUNS).map((r) => ({
                id: r.run.id,
                seq: r.run.seq,
                trigger: r.run.trigger,
                startedAt: r.run.timestamp,
                marks: Object.fromEntries(
                  SIGNALS.map((s) => [s, { mark: markOf(r.verdicts[s]), text: markText(r.verdicts[s]) }]),
                ) as RecentRun['marks'],
              })),
            }
          : {}),
      };
    }),
  };
}
