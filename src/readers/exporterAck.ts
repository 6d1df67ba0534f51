import type { SpanAck } from '../telemetry/tracing';
import type { Backend } from '../vocabulary';
import type { Reader, Report, Waiting } from './types';

/**
 * The exporter acknowledged the batch holding the run's span (trace signal, `exporter`) or its
 * log record (log signal, `log_exporter`). The pipeline hands over each batch's answer; it is
 * matched against the runs not yet found at once, so nothing is stored (a run waits before it is exported).
 */
export function exporterAckReader(
  backend: Extract<Backend, 'exporter' | 'log_exporter'> = 'exporter',
): Reader & { acknowledge(traceIds: readonly string[], ack: SpanAck): void } {
  let target: { waiting: Waiting; report: Report } | undefined;
  return {
    backend,
    missingReason: 'timeout',
    attach(waiting, report) {
      target = { waiting, report };
    },
    acknowledge(traceIds, ack) {
      if (!target) return;
      const hit = ack.ok
        ? { atMs: ack.atMs }
        : { reason: 'export_failed' as const, ...(ack.error ? { detail: ack.error } : {}) };
      for (const traceId of traceIds) {
        const run = target.waiting.get(traceId);
        if (run) target.report(run, hit);
      }
    },
  };
}
