import type { Runs } from '../runs';
import type { PipelineView } from './types';
import type { EmitStatus, SmokeRun } from '../smoke/types';
import type { SignalCheck } from '../verify/signalHealth';
import type { Verdict } from '../verify/types';
import { SIGNALS, type HealthStatus, type RunStatus, type Signal } from '../vocabulary';

/** One entry of a draft-inadarei-api-health-check `checks` list; every check is built here. */
export interface Check {
  readonly componentId: string;
  /** Which pipeline the check is of (/healthz; receipts name theirs once). */
  readonly pipeline?: string;
  readonly componentType: 'component';
  readonly status: HealthStatus;
  readonly observedValue?: number;
  readonly observedUnit?: string;
  readonly outcome?: Verdict['outcome'];
  readonly reason?: Verdict['reason'];
  readonly backend?: Verdict['backend'];
  readonly output?: string;
  readonly time?: string;
}

const RANK: Record<HealthStatus, number> = { pass: 0, warn: 1, fail: 2 };
export const worst = (statuses: Iterable<HealthStatus>, start: HealthStatus = 'pass'): HealthStatus => {
  let status = start;
  for (const s of statuses) if (RANK[s] > RANK[status]) status = s;
  return status;
};

/** The last run's emit status of a signal (/healthz). */
export function emitCheck(signal: Signal, run: SmokeRun | undefined): Check {
  const emit: EmitStatus | undefined = run?.signals[signal];
  if (!run || !emit) return { componentId: signal, componentType: 'component', status: 'warn', output: 'no run yet' };
  return {
    componentId: signal,
    componentType: 'component',
    status: emit.status === 'error' ? 'fail' : 'pass',
    observedValue: run.seq,
    observedUnit: 'run seq',
    ...(emit.status === 'emitted' ? {} : { output: emit.reason }),
    time: run.startedAt.toISOString(),
  };
}

/** A signal's verification record across runs (/healthz). */
export function freshnessCheck(signal: Signal, health: SignalCheck): Check {
  return { componentId: signal, componentType: 'component', observedUnit: 's since verified', ...health };
}

/** One run's verdict for a signal (receipts). */
export function verdictCheck(signal: Signal, v: Verdict | undefined, details = true): Check {
  if (!v) return { componentId: signal, componentType: 'component', status: 'warn', output: 'pending' };
  return {
    componentId: signal,
    componentType: 'component',
    status: v.outcome === 'verified' || v.outcome === 'skipped' ? 'pass' : 'fail',
    ...(v.lagSeconds !== undefined ? { observedValue: v.lagSeconds, observedUnit: 's' } : {}),
    outcome: v.outcome,
    reason: v.reason,
    ...(v.backend ? { backend: v.backend } : {}),
    ...(v.outcome === 'verified' ? {} : { output: v.detail && details ? `${v.reason}: ${v.detail}` : v.reason }),
    time: v.at.toISOString(),
  };
}

/** The daemon's health (/healthz, the status page): per pipeline and signal, the last run's emit
 * status and the verification record (stale: warn; failing run after run: fail); overall the worst. */
export function daemonHealth(runs: Pick<Runs, 'latest'>, pipelines: readonly PipelineView[], draining: boolean) {
  const checks: Record<string, Check[]> = {};
  const statuses: Record<string, HealthStatus> = {};
  for (const signal of SIGNALS) {
    checks[`${signal}:emit`] = [];
    checks[`${signal}:verification`] = [];
  }
  for (const p of pipelines) {
    const run = runs.latest(p.name)?.run;
    const own: Check[] = [];
    for (const signal of SIGNALS) {
      const emit = { ...emitCheck(signal, run), pipeline: p.name };
      const verification = { ...freshnessCheck(signal, p.signalHealth.check(signal)), pipeline: p.name };
      checks[`${signal}:emit`]!.push(emit);
      checks[`${signal}:verification`]!.push(verification);
      own.push(emit, verification);
    }
    statuses[p.name] = worst(own.map((c) => c.status));
  }
  const status = worst(Object.values(statuses), draining ? 'warn' : 'pass');
  return { status, checks, pipelines: statuses };
}

/** A run's overall health status from its verdicts. */
export const RUN_HEALTH: Record<RunStatus, HealthStatus> = {
  verified: 'pass',
  pending: 'warn',
  unverified: 'warn',
  failed: 'fail',
  timeout: 'fail',
};
