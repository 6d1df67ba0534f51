import { expect } from 'chai';
import { core, tracing } from '@opentelemetry/sdk-node';
import { CountingSpanProcessor } from '../../src/telemetry/spanPipeline';
import type { ExportOutcome } from '../../src/vocabulary';
import { releaseAfter } from '../support/cleanup';

const BATCH = { maxQueueSize: 4, maxExportBatchSize: 2, scheduledDelay: 60_000, exportTimeout: 1000 };

function setup(exporter: tracing.SpanExporter) {
  const counts: Record<ExportOutcome, number> = { success: 0, failure: 0, dropped: 0 };
  const processor = new CountingSpanProcessor(exporter, BATCH, (outcome, n) => {
    counts[outcome] += n;
  });
  // A stalled export holds a timer until it times out (exportTimeout): shut down after the test.
  releaseAfter('span processor', () => processor.shutdown().catch(() => undefined));
  const tracer = new tracing.BasicTracerProvider({ spanProcessors: [processor] }).getTracer('test');
  const endSpan = () => {
    const span = tracer.startSpan('s');
    span.end();
    return span;
  };
  return { counts, processor, endSpan };
}

/** An exporter that never answers, so the queue fills. */
const stalled: tracing.SpanExporter = { export() {}, shutdown: async () => {} };

describe('counting span processor', () => {
  it('counts acknowledged spans', async () => {
    const exporter = new tracing.InMemorySpanExporter();
    const { counts, processor, endSpan } = setup(exporter);
    for (let i = 0; i < 3; i += 1) endSpan();
    await processor.forceFlush();
    expect(exporter.getFinishedSpans()).to.have.length(3);
    expect(counts).to.deep.equal({ success: 3, failure: 0, dropped: 0 });
  });

  it('counts failed exports per span', async () => {
    const failing: tracing.SpanExporter = {
      export: (_spans: tracing.ReadableSpan[], done: (r: core.ExportResult) => void) =>
        done({ code: core.ExportResultCode.FAILED, error: new Error('503') }),
      shutdown: async () => {},
    };
    const { counts, processor, endSpan } = setup(failing);
    for (let i = 0; i < 3; i += 1) endSpan();
    await processor.forceFlush().catch(() => undefined);
    expect(counts).to.deep.equal({ success: 0, failure: 3, dropped: 0 });
  });

  it('drops, counted and flagged, instead of letting the SDK queue overflow silently', () => {
    const { counts, processor, endSpan } = setup(stalled);
    // The first batch (2) goes to the stalled exporter, the queue takes 4 more, the rest drop.
    const spans = Array.from({ length: 8 }, endSpan);
    expect(counts.dropped).to.equal(2);
    expect(spans.map((s) => processor.wasDropped(s))).to.deep.equal([
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
  });

  it('counts an export with no answer by shutdown as failed, once, and ignores the late answer', async () => {
    const answers: ((r: core.ExportResult) => void)[] = [];
    const silent: tracing.SpanExporter = {
      export: (_spans, done) => void answers.push(done),
      shutdown: async () => {},
    };
    const counts: Record<ExportOutcome, number> = { success: 0, failure: 0, dropped: 0 };
    const observed: core.ExportResult[] = [];
    // The SDK gives up on an export after its timeout; the exporter may still be retrying then.
    const processor = new CountingSpanProcessor(
      silent,
      { ...BATCH, exportTimeout: 50 },
      (outcome, n) => (counts[outcome] += n),
      (_spans, result) => observed.push(result),
    );
    const tracer = new tracing.BasicTracerProvider({ spanProcessors: [processor] }).getTracer('test');
    for (let i = 0; i < 3; i += 1) tracer.startSpan('s').end();
    await processor.shutdown().catch(() => undefined);
    expect(answers, 'every span handed to the exporter').to.have.length(2);
    expect(counts).to.deep.equal({ success: 0, failure: 3, dropped: 0 });
    expect(observed.map((r) => r.code)).to.deep.equal([core.ExportResultCode.FAILED, core.ExportResultCode.FAILED]);
    for (const answer of answers) answer({ code: core.ExportResultCode.SUCCESS });
    expect(counts, 'late answers change nothing').to.deep.equal({ success: 0, failure: 3, dropped: 0 });
  });

  it('counts spans that end after shutdown as dropped', async () => {
    const { counts, processor, endSpan } = setup(new tracing.InMemorySpanExporter());
    await processor.shutdown();
    endSpan();
    expect(counts.dropped).to.equal(1);
  });
});
