import type { ExportAck } from '../telemetry/exportAccounting';
import type { Backend } from '../vocabulary';
import type { PushedReader, Answer, Waiting } from './types';

/**
 * The exporter acknowledged the batch holding the run's span (trace signal, `exporter`) or its
 * log record (log signal, `log_exporter`). Each batch's answer is matched against the runs not yet
 * found at once, so nothing is stored (a run waits before it is exported).
 */
export function exporterAckReader(
  backend: Extract<Backend, 'exporter' | 'log_exporter'>,
  destination: string,
): PushedReader & { acknowledge(traceIds: readonly string[], ack: ExportAck): void } {
  let target: { waiting: Waiting; report: Answer } | undefined;
  return {
    kind: 'pushed',
    backend,
    asked: `the acknowledgement of ${destination}`,
    missingReason: 'timeout',
    attach(waiting, report) {
      target = { waiting, report };
    },
    acknowledge(traceIds, ack) {
      if (!target) return;
      const failure = ack.ok
        ? undefined
        : { reason: 'export_failed' as const, ...(ack.error ? { detail: ack.error } : {}) };
      for (const traceId of traceIds) {
        const run = target.waiting.get(traceId);
        if (run) target.report(run, failure);
      }
    },
  };
}
