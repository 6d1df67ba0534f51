import { TraceFlags, type Context } from '@opentelemetry/api';
import { tracing, type core } from '@opentelemetry/sdk-node';
import type { ExportOutcome } from '../vocabulary';
import { ExportAccounting } from './exportAccounting';

export interface BatchSettings {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelay: number;
  readonly exportTimeout: number;
}

/** A BatchSpanProcessor that accounts for every sampled span: acknowledged, failed or dropped. */
export class CountingSpanProcessor implements tracing.SpanProcessor {
  private readonly batch: tracing.BatchSpanProcessor;
  private readonly accounting: ExportAccounting<tracing.ReadableSpan>;
  private readonly dropped = new WeakSet<tracing.ReadableSpan>();

  constructor(
    exporter: tracing.SpanExporter,
    settings: BatchSettings,
    count: (outcome: ExportOutcome, n: number) => void,
    observe?: (spans: readonly tracing.ReadableSpan[], result: core.ExportResult) => void,
  ) {
    this.accounting = new ExportAccounting(settings.maxQueueSize, count, observe);
    this.batch = new tracing.BatchSpanProcessor(this.accounting.wrap(exporter) as tracing.SpanExporter, {
      maxQueueSize: settings.maxQueueSize,
      maxExportBatchSize: settings.maxExportBatchSize,
      scheduledDelayMillis: settings.scheduledDelay,
      exportTimeoutMillis: settings.exportTimeout,
    });
  }

  /** How full the queue is, from 0 to 1: past half of it, the span pipeline has fallen behind. */
  queueShare(): number {
    return this.accounting.share;
  }

  /** True when the span ended while the queue was full or after shutdown. */
  wasDropped(span: object): boolean {
    return this.dropped.has(span as tracing.ReadableSpan);
  }

  onStart(_span: tracing.Span, _parentContext: Context): void {}

  onEnd(span: tracing.ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.accounting.admit()) this.batch.onEnd(span);
    else this.dropped.add(span);
  }

  forceFlush(): Promise<void> {
    return this.batch.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.accounting.shutdown(this.batch);
  }
}
