import type { Context } from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor, type ReadableSpan, type Span, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanOutcome } from '../vocabulary';

export interface BatchSettings {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelay: number;
  readonly exportTimeout: number;
}

/**
 * A BatchSpanProcessor that accounts for every sampled span: acknowledged, failed or dropped.
 * The SDK's processor drops silently when its queue is full, so this one keeps the queue from
 * filling: it counts spans handed in minus spans handed to the exporter (exactly the SDK's queue
 * length) and drops, counted, before the SDK would.
 *
 * The SDK also stops waiting for an export after its timeout while the exporter may still be
 * retrying, so at shutdown an export could end with no answer at all. Whatever is still in flight
 * once shutdown settles is counted as failed then, and a late answer is ignored.
 */
export class CountingSpanProcessor implements SpanProcessor {
  private readonly batch: BatchSpanProcessor;
  private readonly dropped = new WeakSet<ReadableSpan>();
  private queued = 0;
  private closed = false;
  /** Exports without an answer yet, each able to settle itself as failed. */
  private readonly inFlight = new Set<() => void>();

  constructor(
    exporter: SpanExporter,
    private readonly settings: BatchSettings,
    private readonly count: (outcome: SpanOutcome, n: number) => void,
    /** Sees every batch's result, so run spans can be verified by acknowledgement. */
    private readonly observe: (spans: readonly ReadableSpan[], result: ExportResult) => void = () => {},
  ) {
    this.batch = new BatchSpanProcessor(this.counting(exporter), {
      maxQueueSize: settings.maxQueueSize,
      maxExportBatchSize: settings.maxExportBatchSize,
      scheduledDelayMillis: settings.scheduledDelay,
      exportTimeoutMillis: settings.exportTimeout,
    });
  }

  /** True when the span ended while the queue was full or after shutdown. */
  wasDropped(span: object): boolean {
    return this.dropped.has(span as ReadableSpan);
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.closed || this.queued >= this.settings.maxQueueSize) {
      this.dropped.add(span);
      this.count('dropped', 1);
      return;
    }
    this.queued += 1;
    this.batch.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.batch.forceFlush();
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    try {
      await this.batch.shutdown();
    } finally {
      for (const abandon of [...this.inFlight]) abandon();
    }
  }

  private counting(exporter: SpanExporter): SpanExporter {
    return {
      export: (spans: ReadableSpan[], done: (result: ExportResult) => void) => {
        this.queued -= spans.length;
        const report = (result: ExportResult) => {
          if (!this.inFlight.delete(abandon)) return; // settled already: a late answer after shutdown
          this.count(result.code === ExportResultCode.SUCCESS ? 'success' : 'failure', spans.length);
          this.observe(spans, result);
          done(result);
        };
        const abandon = () => report({ code: ExportResultCode.FAILED, error: new Error('no answer from the exporter by shutdown') });
        this.inFlight.add(abandon);
        try {
          exporter.export(spans, report);
        } catch (error) {
          report({ code: ExportResultCode.FAILED, error: error as Error });
        }
      },
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    };
  }
}
