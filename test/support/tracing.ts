import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { loadConfig } from '../../src/config';
import { createTracing, type Tracing } from '../../src/telemetry/tracing';
import type { SpanOutcome } from '../../src/telemetry/metrics';
import type { SpanAck } from '../../src/verify/traceVerifier';
import { createWaiters } from '../../src/verify/waiters';

/**
 * Instrumentation patches modules process-wide as they are first required, so the test process
 * starts tracing once, with request spans on, before any spec loads koa (mocha --require). Specs read the finished spans
 * through `finishedSpans()`, which flushes the batch processor first (no sleeps).
 */
const exporter = new InMemorySpanExporter();
let countSpans: (outcome: SpanOutcome, n: number) => void = () => {};

export const testSpanAcks = createWaiters<SpanAck>({ remember: 1000, now: Date.now });

export const testTracing: Tracing = createTracing(
  { service: 'petsage-smoke-test', version: '0.0.0-test', traces: { ...loadConfig().traces, requestSpans: true }, untracedPaths: ['/livez'] },
  { exporter, countSpans: (outcome, n) => countSpans(outcome, n), onRunSpanExported: (traceId, ack) => testSpanAcks.resolve(traceId, ack) },
);

/** Route span counts to this test's metrics. */
export function countSpansInto(sink: (outcome: SpanOutcome, n: number) => void): void {
  countSpans = sink;
}

export async function finishedSpans(): Promise<ReadableSpan[]> {
  await testTracing.forceFlush();
  return exporter.getFinishedSpans();
}

export function resetSpans(): void {
  exporter.reset();
}
