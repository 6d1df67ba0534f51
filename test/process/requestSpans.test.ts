import { expect } from 'chai';
import { RUN_SPAN_NAME } from '../../src/vocabulary';
import { METRIC } from '../../src/vocabulary';
import { spawnDaemon } from '../support/daemon';
import { startOtlpReceiver } from '../support/otlpReceiver';

interface JsonSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind: number;
  links?: { traceId: string; spanId: string }[];
}

const receivedSpans = (receiver: Awaited<ReturnType<typeof startOtlpReceiver>>) =>
  receiver.received
    .map((r) => JSON.parse(r.body.toString()) as { resourceSpans: { scopeSpans: { spans: JsonSpan[] }[] }[] })
    .flatMap((r) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans)));

// A caller's W3C trace context: with request spans on, the request joins it; the run links to it.
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${CALLER_TRACE}-00f067aa0ba902b7-01`;

async function runOnce(env: Record<string, string>) {
  const receiver = await startOtlpReceiver();
  try {
    const daemon = await spawnDaemon({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', ...env } });
    const run = (await (await fetch(`${daemon.url}/smoke-test`, { headers: { traceparent: TRACEPARENT } })).json()) as { trace_id: string; span_id: string };
    const metrics = await (await fetch(`${daemon.url}/metrics`, { headers: { Accept: 'application/openmetrics-text' } })).text();
    daemon.child.kill('SIGTERM');
    expect((await daemon.exited).code).to.equal(0);
    return { run, metrics, spans: receivedSpans(receiver) };
  } finally {
    await receiver.close();
  }
}

const requestExemplar = (metrics: string) =>
  metrics.split('\n').find((l) => l.startsWith(`${METRIC.httpDuration}_bucket{`) && l.includes('route="/smoke-test"') && l.includes('# {'));

describe('daemon process: request spans', () => {
  it('by default a request emits only the run span, a root span of its own trace, and is its exemplar', async () => {
    const { run, metrics, spans } = await runOnce({});
    expect(spans.map((s) => s.name)).to.deep.equal([RUN_SPAN_NAME]);
    expect(spans[0]).to.include({ traceId: run.trace_id, spanId: run.span_id });
    expect(spans[0]!.parentSpanId ?? '').to.equal('');
    expect(run.trace_id).to.not.equal(CALLER_TRACE);
    expect(requestExemplar(metrics)).to.include(`trace_id="${run.trace_id}"`);
  });

  it('PETSAGE_SMOKE_REQUEST_SPANS=true: server and router spans in the caller\'s trace; the run a root of its own, linked to the router span', async () => {
    const { run, metrics, spans } = await runOnce({ PETSAGE_SMOKE_REQUEST_SPANS: 'true' });
    const runSpan = spans.find((s) => s.name === RUN_SPAN_NAME);
    const router = spans.find((s) => s.name === 'router - /smoke-test');
    const server = spans.find((s) => s.spanId === router?.parentSpanId);
    expect(server?.kind).to.equal(2); // SPAN_KIND_SERVER in OTLP
    expect([router?.traceId, server?.traceId]).to.deep.equal([CALLER_TRACE, CALLER_TRACE]);
    // A client's traceparent chooses neither the run id nor its sampling: the run is a fresh root.
    expect(runSpan?.parentSpanId ?? '').to.equal('');
    expect(run.trace_id).to.not.equal(CALLER_TRACE);
    expect(runSpan?.links?.map((l) => [l.traceId, l.spanId])).to.deep.equal([[CALLER_TRACE, router?.spanId]]);
    expect(requestExemplar(metrics)).to.include(`trace_id="${run.trace_id}"`);
  });
});
