import type { SpanAck } from '../telemetry/tracing';
import type { Reader, Report, Waiting } from './types';

/**
 * Trace signal, embedded default: the exporter acknowledged the batch holding the run span. The
 * span pipeline hands over each batch's answer; it is matched against the waiting runs at once, so
 * nothing is stored (a run waits before its span can be exported).
 */
export function exporterAckReader(): Reader & { acknowledge(traceIds: readonly string[], ack: SpanAck): void } {
  let target: { waiting: Waiting; report: Report } | undefined;
  return {
    backend: 'exporter',
    missingReason: 'timeout',
    attach(waiting, report) {
      target = { waiting, report };
    },
    acknowledge(traceIds, ack) {
      if (!target) return;
      const hit = ack.ok ? { atMs: ack.atMs } : { reason: 'export_failed' as const, ...(ack.error ? { detail: ack.error } : {}) };
      for (const traceId of traceIds) {
        const run = target.waiting.get(traceId);
        if (run) target.report(run, hit);
      }
    },
  };
}
