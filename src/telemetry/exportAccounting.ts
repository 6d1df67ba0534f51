import { core } from '@opentelemetry/sdk-node';

type ExportResult = core.ExportResult;
const { ExportResultCode } = core;
import type { ExportOutcome } from '../vocabulary';

/** What an exporter said of one batch (the first hop a span or a log record must reach). */
export interface ExportAck {
  readonly ok: boolean;
  readonly error?: string;
}

export type ExportListener = (traceIds: readonly string[], ack: ExportAck) => void;

/** Who hears of exported batches (the read-back's acknowledgement readers); the exporter's answer as an ack. */
export class ExportEvents {
  private readonly listeners: ExportListener[] = [];
  on(listener: ExportListener): void {
    this.listeners.push(listener);
  }
  emit(traceIds: readonly string[], result: ExportResult): void {
    const ack: ExportAck = {
      ok: result.code === ExportResultCode.SUCCESS,
      ...(result.error ? { error: result.error.message } : {}),
    };
    for (const listener of this.listeners) listener(traceIds, ack);
  }
}

/** What the SDK's span and log-record exporters have in common. */
export interface BatchExporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/**
 * Accounts for every item a BatchSpanProcessor or BatchLogRecordProcessor is given: acknowledged,
 * failed or dropped. The SDK's processors drop silently when their queue is full, so this keeps
 * the queue from filling: it counts items handed in minus items handed to the exporter (exactly
 * the SDK's queue length) and drops, counted, before the SDK would.
 *
 * The SDK also stops waiting for an export after its timeout while the exporter may still be
 * retrying, so at shutdown an export could end with no answer at all. Whatever is still in flight
 * once shutdown settles is counted as failed then, and a late answer is ignored.
 */
export class ExportAccounting<T> {
  private queued = 0;
  private closed = false;
  /** Exports without an answer yet, each able to settle itself as failed. */
  private readonly inFlight = new Set<() => void>();

  constructor(
    private readonly maxQueueSize: number,
    private readonly count: (outcome: ExportOutcome, n: number) => void,
    /** Sees every batch's result (run spans are verified by acknowledgement). */
    private readonly observe: (items: readonly T[], result: ExportResult) => void = () => {},
  ) {}

  /** How full the SDK's queue is, from 0 to 1: the pipeline's backlog. */
  get share(): number {
    return this.queued / this.maxQueueSize;
  }

  /** True when the item may join the SDK's queue; false when it was dropped (and counted). */
  admit(): boolean {
    if (this.closed || this.queued >= this.maxQueueSize) {
      this.count('dropped', 1);
      return false;
    }
    this.queued += 1;
    return true;
  }

  /** Shuts the batch processor down: nothing more is admitted, and whatever export is still
   * unanswered once it has settled is counted as failed. */
  async shutdown(batch: { shutdown(): Promise<void> }): Promise<void> {
    this.closed = true;
    try {
      await batch.shutdown();
    } finally {
      for (const abandon of [...this.inFlight]) abandon();
    }
  }

  /** The exporter the SDK's batch processor is given: every batch's answer is counted. */
  wrap<E extends BatchExporter<T>>(exporter: E): BatchExporter<T> {
    return {
      export: (items, done) => {
        this.queued -= items.length;
        const report = (result: ExportResult) => {
          if (!this.inFlight.delete(abandon)) return; // settled already: a late answer after shutdown
          this.count(result.code === ExportResultCode.SUCCESS ? 'success' : 'failure', items.length);
          this.observe(items, result);
          done(result);
        };
        const abandon = () =>
          report({ code: ExportResultCode.FAILED, error: new Error('no answer from the exporter by shutdown') });
        this.inFlight.add(abandon);
        try {
          exporter.export(items, report);
        } catch (error) {
          report({ code: ExportResultCode.FAILED, error: error as Error });
        }
      },
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    };
  }
}
