import type { Runs } from '../runs';
import type { EmitStatus, SmokeRun } from '../smoke/types';
import type { SignalCheck, SignalHealth } from '../verify/signalHealth';
import type { Verdict } from '../verify/types';
import { SIGNALS, type HealthStatus, type RunStatus, type Signal } from '../vocabulary';

/** One entry of a draft-inadarei-api-health-check `checks` list; every check is built here. */
export interface Check {
  readonly componentId: string;
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
export function verdictCheck(signal: Signal, v: Verdict | undefined): Check {
  if (!v) return { componentId: signal, componentType: 'component', status: 'warn', output: 'pending' };
  return {
    componentId: signal,
    componentType: 'component',
    status: v.outcome === 'verified' || v.outcome === 'skipped' ? 'pass' : 'fail',
    ...(v.lagSeconds !== undefined ? { observedValue: v.lagSeconds, observedUnit: 's' } : {}),
    outcome: v.outcome,
    reason: v.reason,
    ...(v.backend ? { backend: v.backend } : {}),
    ...(v.outcome === 'verified' ? {} : { output: v.detail ? `${v.reason}: ${v.detail}` : v.reason }),
    time: v.at.toISOString(),
  };
}

/** The daemon's health (/healthz, the status page): per signal, the last run's emit status and the
 * verification record (stale: warn; failing run after run: fail). */
export function daemonHealth(runs: Pick<Runs, 'latest'>, signalHealth: SignalHealth, draining: boolean) {
  const run = runs.latest()?.run;
  const checks: Record<string, [Check]> = {};
  for (const signal of SIGNALS) {
    checks[`${signal}:emit`] = [emitCheck(signal, run)];
    checks[`${signal}:verification`] = [freshnessCheck(signal, signalHealth.check(signal))];
  }
  const status = worst(
    Object.values(checks).map(([c]) => c.status),
    draining ? 'warn' : 'pass',
  );
  return { status, checks };
}

/** A run's overall health status from its verdicts. */
export const RUN_HEALTH: Record<RunStatus, HealthStatus> = {
  verified: 'pass',
  pending: 'warn',
  unverified: 'warn',
  failed: 'fail',
  timeout: 'fail',
};
