import type { Context } from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { SpanOutcome } from '../vocabulary';
import { ExportAccounting } from './exportAccounting';

export interface BatchSettings {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelay: number;
  readonly exportTimeout: number;
}

/** A BatchSpanProcessor that accounts for every sampled span: acknowledged, failed or dropped. */
export class CountingSpanProcessor implements SpanProcessor {
  private readonly batch: BatchSpanProcessor;
  private readonly accounting: ExportAccounting<ReadableSpan>;
  private readonly dropped = new WeakSet<ReadableSpan>();

  constructor(
    exporter: SpanExporter,
    settings: BatchSettings,
    count: (outcome: SpanOutcome, n: number) => void,
    observe?: (spans: readonly ReadableSpan[], result: ExportResult) => void,
  ) {
    this.accounting = new ExportAccounting(settings.maxQueueSize, count, observe);
    this.batch = new BatchSpanProcessor(this.accounting.wrap(exporter) as SpanExporter, {
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
