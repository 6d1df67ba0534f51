import { expect } from 'chai';
import { SpanStatusCode } from '@opentelemetry/api';
import { resources, tracing } from '@opentelemetry/sdk-node';
import { loadConfig } from '../../src/config/load';
import { pipelinesOf } from '../../src/config/pipelines';
import { createTracing } from '../../src/telemetry/tracing';
import { ATTR_PIPELINE, ATTR_RUN_ID, ATTR_RUN_SEQ, ATTR_TRIGGER, RUN_SPAN_NAME } from '../../src/vocabulary';

const RESOURCE = resources.resourceFromAttributes({ 'service.name': 'petsage-smoke' });
const TRACES = pipelinesOf(loadConfig({ env: {} }))[0]!.traces;

function tracingOver(exporter: tracing.SpanExporter | undefined, o: { disabled?: boolean } = {}) {
  const acks: string[][] = [];
  const t = createTracing(
    { pipeline: 'edge', traces: TRACES, resource: RESOURCE, disabled: o.disabled ?? false, linkRequestSpan: false },
    { countSpans: () => {}, ...(exporter ? { exporter } : {}) },
  );
  t.onExported((ids) => acks.push([...ids]));
  return { t, acks };
}

describe('tracing: the run span of one pipeline', () => {
  it('a root span named for the run, with its trigger, seq, pipeline and run id; a failed signal marks it an error', async () => {
    const exporter = new tracing.InMemorySpanExporter();
    const { t } = tracingOver(exporter);
    expect(t.destination).to.equal('custom');
    const ok = t.port.startRunSpan('api', 7, 'gate-7');
    expect([ok.sampled, ok.end()]).to.deep.equal([true, { status: 'emitted' }]);
    const broken = t.port.startRunSpan('schedule', 8);
    broken.end('log');
    await t.forceFlush();
    const [first, second] = exporter.getFinishedSpans();
    expect([first!.name, first!.parentSpanContext, first!.attributes]).to.deep.equal([
      RUN_SPAN_NAME,
      undefined,
      { [ATTR_TRIGGER]: 'api', [ATTR_RUN_SEQ]: 7, [ATTR_PIPELINE]: 'edge', [ATTR_RUN_ID]: 'gate-7' },
    ]);
    expect(first!.status.code).to.equal(SpanStatusCode.UNSET);
    expect(second!.attributes[ATTR_RUN_ID], 'no id given: the trace id').to.equal(broken.traceId);
    expect(second!.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'log signal not emitted' });
    await t.shutdown();
  });

  it('an exported batch is acknowledged by the trace ids of its run spans only; a batch without one is not', async () => {
    const exporter = new tracing.InMemorySpanExporter();
    const { t, acks } = tracingOver(exporter);
    // A request span through the same processor, as compose.ts shares it.
    const requests = new tracing.BasicTracerProvider({ spanProcessors: [t.processor!] }).getTracer('http');
    requests.startSpan('GET /livez').end();
    await t.forceFlush();
    expect(acks, 'a batch of request spans only').to.deep.equal([]);
    const run = t.port.startRunSpan('http', 1);
    run.end();
    requests.startSpan('GET /smoke-test').end();
    await t.forceFlush();
    expect(acks).to.deep.equal([[run.traceId]]);
    await t.shutdown();
  });

  it('sampled out by OTEL_TRACES_SAMPLER: the run says so and the span is not sent', async () => {
    const before = process.env.OTEL_TRACES_SAMPLER;
    process.env.OTEL_TRACES_SAMPLER = 'always_off';
    try {
      const exporter = new tracing.InMemorySpanExporter();
      const { t } = tracingOver(exporter);
      const span = t.port.startRunSpan('http', 1);
      expect([span.sampled, span.end()]).to.deep.equal([false, { status: 'skipped', reason: 'sampled_out' }]);
      await t.forceFlush();
      expect(exporter.getFinishedSpans()).to.deep.equal([]);
      await t.shutdown();
    } finally {
      if (before === undefined) delete process.env.OTEL_TRACES_SAMPLER;
      else process.env.OTEL_TRACES_SAMPLER = before;
    }
  });

  it('disabled (OTEL_SDK_DISABLED): no span made, yet ids of the right shape; flush and shutdown still resolve', async () => {
    const { t } = tracingOver(new tracing.InMemorySpanExporter(), { disabled: true });
    expect([t.destination, t.processor]).to.deep.equal(['none (OTEL_SDK_DISABLED)', undefined]);
    const span = t.port.startRunSpan('http', 1);
    expect(span.traceId).to.match(/^[0-9a-f]{32}$/);
    expect(span.spanId).to.match(/^[0-9a-f]{16}$/);
    expect([span.sampled, span.end()]).to.deep.equal([false, { status: 'skipped', reason: 'disabled' }]);
    await t.forceFlush();
    await t.shutdown();
  });
});
