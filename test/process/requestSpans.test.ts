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
    .filter((r) => r.path === '/v1/traces')
    .map((r) => JSON.parse(r.body.toString()) as { resourceSpans: { scopeSpans: { spans: JsonSpan[] }[] }[] })
    .flatMap((r) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans)));

// A caller's W3C trace context: with request spans on, the request joins it; the run links to it.
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${CALLER_TRACE}-00f067aa0ba902b7-01`;

async function runOnce(env: Record<string, string>) {
  const receiver = await startOtlpReceiver();
  try {
    const daemon = await spawnDaemon({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', ...env },
    });
    const run = (await (await fetch(`${daemon.url}/smoke-test`, { headers: { traceparent: TRACEPARENT } })).json()) as {
      trace_id: string;
      span_id: string;
    };
    const metrics = await (
      await fetch(`${daemon.url}/metrics`, { headers: { Accept: 'application/openmetrics-text' } })
    ).text();
    daemon.child.kill('SIGTERM');
    expect((await daemon.exited).code).to.equal(0);
    return { run, metrics, spans: receivedSpans(receiver) };
  } finally {
    await receiver.close();
  }
}

const requestExemplar = (metrics: string) =>
  metrics
    .split('\n')
    .find(
      (l) => l.startsWith(`${METRIC.httpDuration}_bucket{`) && l.includes('route="/smoke-test"') && l.includes('# {'),
    );

describe('daemon process: request spans', () => {
  it('by default a request emits only the run span, a root span of its own trace, and is its exemplar', async () => {
    const { run, metrics, spans } = await runOnce({});
    expect(spans.map((s) => s.name)).to.deep.equal([RUN_SPAN_NAME]);
    expect(spans[0]).to.include({ traceId: run.trace_id, spanId: run.span_id });
    expect(spans[0]!.parentSpanId ?? '').to.equal('');
    expect(run.trace_id).to.not.equal(CALLER_TRACE);
    expect(requestExemplar(metrics)).to.include(`trace_id="${run.trace_id}"`);
  });

  it("PETSAGE_SMOKE_REQUEST_SPANS=true: server and router spans in the caller's trace; the run a root of its own, linked to the router span", async () => {
    const { run, metrics, spans } = await runOnce({ PETSAGE_SMOKE_REQUEST_SPANS: 'true' });
    const runSpan = spans.find((s) => s.name === RUN_SPAN_NAME);
    // The run links to the router span of its handler; router spans (one per route layer: the rate
    // limit, the handler) lead up to the HTTP server span, all in the caller's trace.
    const router = spans.find((s) => s.spanId === runSpan?.links?.[0]?.spanId);
    expect(router?.name).to.equal('router - /smoke-test');
    let server = router;
    while (server?.name === 'router - /smoke-test') server = spans.find((s) => s.spanId === server?.parentSpanId);
    expect(server?.kind).to.equal(2); // SPAN_KIND_SERVER in OTLP
    expect(new Set(spans.filter((s) => s !== runSpan).map((s) => s.traceId))).to.deep.equal(new Set([CALLER_TRACE]));
    // A client's traceparent chooses neither the run id nor its sampling: the run is a fresh root.
    expect(runSpan?.parentSpanId ?? '').to.equal('');
    expect(run.trace_id).to.not.equal(CALLER_TRACE);
    expect(runSpan?.links?.map((l) => l.traceId)).to.deep.equal([CALLER_TRACE]);
    expect(requestExemplar(metrics)).to.include(`trace_id="${run.trace_id}"`);
  });
});

describe('daemon process: a client cannot choose run ids', () => {
  it('four runs with one traceparent (sampled or not) get four ids, four receipts, four verified traces', async function () {
    this.timeout(30_000);
    const daemon = await spawnDaemon({
      env: { PETSAGE_SMOKE_REQUEST_SPANS: 'true', PETSAGE_SMOKE_INTERVAL: '0', OTEL_BSP_SCHEDULE_DELAY: '50' },
    });
    try {
      const ids: string[] = [];
      for (const flags of ['01', '01', '00', '00']) {
        const res = await fetch(`${daemon.url}/smoke-test`, {
          headers: { traceparent: `00-${CALLER_TRACE}-00f067aa0ba902b7-${flags}` },
        });
        ids.push(((await res.json()) as { run_id: string }).run_id);
      }
      expect(new Set(ids).size).to.equal(4);
      expect(ids).to.not.include(CALLER_TRACE);
      for (const id of ids) {
        const line = await daemon.waitForEvent('smoke_test.verification', (l) => l.run_id === id);
        expect(line.trace_id).to.equal(id);
      }
      const gate = await fetch(`${daemon.url}/smoke-test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${CALLER_TRACE}-00f067aa0ba902b7-00` },
        body: JSON.stringify({ wait: true }),
      });
      const receipt = (await gate.json()) as { checks: Record<string, { outcome: string }[]> };
      expect(
        receipt.checks['trace:verification']![0]!.outcome,
        'a -00 flags byte does not switch trace verification off',
      ).to.equal('verified');
      // The four runs' spans went out before the gate's, so their acknowledgements came no later.
      for (const id of ids) {
        const res = await fetch(`${daemon.url}/smoke-test/${id}`);
        expect(res.status, id).to.equal(200);
        const { checks } = (await res.json()) as { checks: Record<string, { outcome?: string }[]> };
        expect(checks['trace:verification']![0]!.outcome, `${id}: its trace`).to.equal('verified');
      }
      expect((await fetch(`${daemon.url}/healthz`)).status).to.equal(200);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  });
});
