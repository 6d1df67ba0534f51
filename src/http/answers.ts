import type { SmokeRun } from '../smoke/types';
import type { RunReport } from '../verify/judge';
import { FEATURE, SIGNALS, VERIFICATION_MESSAGE } from '../vocabulary';
import { RUN_HEALTH, verdictCheck } from './healthChecks';
import type { ServiceInfo } from './types';

export const receiptPath = (id: string) => `/smoke-test/${encodeURIComponent(id)}`;

/** The response of one run: the seeds' contract plus the ids that find its signals. */
export function runResponse(run: SmokeRun, service: ServiceInfo, message = VERIFICATION_MESSAGE) {
  return {
    status: run.outcome === 'success' ? 'ok' : 'degraded',
    feature: FEATURE,
    message,
    timestamp: run.timestamp,
    service: service.name,
    version: service.version,
    run_id: run.id,
    trace_id: run.traceId,
    span_id: run.spanId,
    seq: run.seq,
    pipeline: run.pipeline,
    signals: run.signals,
    // "Logging verified." is the seeds' words, not a verdict: the receipt has that.
    links: { receipt: receiptPath(run.id) },
  };
}

/** A run's receipt in the health+json shape: one check per signal. Without `details`, a backend's own words
 * (an error it answered) are left out: the token, when one is set, is what shows them. */
export function receipt(report: RunReport, service: ServiceInfo, details = true) {
  const { run } = report;
  return {
    status: RUN_HEALTH[report.status],
    outcome: report.status,
    version: service.version,
    serviceId: service.name,
    description: `smoke run ${run.seq} (${run.trigger})`,
    run_id: run.id,
    trace_id: run.traceId,
    span_id: run.spanId,
    seq: run.seq,
    time: run.startedAt.toISOString(),
    pipeline: run.pipeline,
    checks: Object.fromEntries(
      SIGNALS.map((s) => [`${s}:verification`, [verdictCheck(s, report.verdicts[s], details)]]),
    ),
    links: { self: receiptPath(run.id), metrics: '/metrics', health: '/healthz' },
  };
}
