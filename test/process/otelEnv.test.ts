import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { RUN_SPAN_NAME } from '../../src/vocabulary';
import { METRIC } from '../../src/vocabulary';
import { jsonLines, spawnDaemon, stopDaemon } from '../support/daemon';
import { startOtlpReceiver } from '../support/otlpReceiver';
import { gate, type Receipt } from '../support/receipts';

interface OtlpJsonRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: { name: string; traceId: string }[] }[];
  }[];
}

/** Each signal's verdict in a receipt: "verified", or "outcome/reason". */
const outcomes = (r: Receipt) =>
  Object.fromEntries(
    ['log', 'trace', 'metric'].map((signal) => {
      const c = r.checks[`${signal}:verification`]![0]!;
      return [signal, c.outcome === 'verified' ? c.outcome : `${c.outcome}/${c.reason}`];
    }),
  );

async function smokeRun(url: string) {
  return (await (await fetch(`${url}/smoke-test`)).json()) as { trace_id: string; signals: Record<string, unknown> };
}

describe('daemon process: OTEL_* variables keep their standard meaning', () => {
  it('OTEL_EXPORTER_OTLP_ENDPOINT + http/json + OTEL_SERVICE_NAME: the run span reaches the OTLP receiver', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const daemon = await spawnDaemon({
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_SERVICE_NAME: 'checkout-smoke',
        },
      });
      const run = await smokeRun(daemon.url);
      daemon.child.kill('SIGTERM'); // the drain exports what is queued
      expect((await daemon.exited).code).to.equal(0);

      expect(receiver.received.map((r) => r.path)).to.include('/v1/traces');
      const requests = receiver.received
        .filter((r) => r.path === '/v1/traces')
        .map((r) => JSON.parse(r.body.toString()) as OtlpJsonRequest);
      const resourceSpans = requests.flatMap((r) => r.resourceSpans);
      const spans = resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans));
      expect(spans.filter((s) => s.name === RUN_SPAN_NAME).map((s) => s.traceId)).to.deep.equal([run.trace_id]);
      const serviceName = resourceSpans[0]!.resource.attributes.find((a) => a.key === 'service.name');
      expect(serviceName?.value.stringValue).to.equal('checkout-smoke');
    } finally {
      await receiver.close();
    }
  });

  it('a collector that is down at shutdown: spans are counted as failed and the drain still exits 0', async () => {
    const receiver = await startOtlpReceiver();
    const endpoint = receiver.endpoint;
    await receiver.close(); // nothing listens there now
    const daemon = await spawnDaemon({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_EXPORT_TIMEOUT: '1000' },
    });
    await smokeRun(daemon.url);
    daemon.child.kill('SIGTERM');
    expect((await daemon.exited).code).to.equal(0);
    const stopped = jsonLines(daemon.logFile).find((l) => l.event === 'daemon.stopped');
    expect(stopped).to.include({ runs_total: 1, spans_exported: 0 });
    expect(Number(stopped!.spans_failed) + Number(stopped!.spans_dropped)).to.be.greaterThan(0);
  });

  it('the default OTLP protocol is http/protobuf', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const daemon = await spawnDaemon({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint } });
      await smokeRun(daemon.url);
      daemon.child.kill('SIGTERM');
      expect((await daemon.exited).code).to.equal(0);
      // Spans and the log record, both in the default encoding.
      expect(new Set(receiver.received.map((r) => r.path))).to.deep.equal(new Set(['/v1/traces', '/v1/logs']));
      for (const r of receiver.received) expect(r.headers['content-type']).to.equal('application/x-protobuf');
    } finally {
      await receiver.close();
    }
  });

  it('OTEL_TRACES_SAMPLER=always_off: the trace signal is skipped (sampled_out) and no exemplar is attached', async () => {
    const daemon = await spawnDaemon({ env: { OTEL_TRACES_SAMPLER: 'always_off' } });
    try {
      const run = await smokeRun(daemon.url);
      expect(run.signals.trace).to.deep.equal({ status: 'skipped', reason: 'sampled_out' });
      expect(run.trace_id).to.match(/^[0-9a-f]{32}$/);
      const metrics = await (
        await fetch(`${daemon.url}/metrics`, { headers: { Accept: 'application/openmetrics-text' } })
      ).text();
      // The run counted, with no exemplar: nothing after the value.
      expect(metrics).to.match(
        new RegExp(
          `^${METRIC.runs}\\{trigger="http",outcome="success",pipeline="default",process_id="[0-9a-f]{16}"\\} 1$`,
          'm',
        ),
      );
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  });

  it('OTEL_TRACES_EXPORTER=none: the trace signal is skipped (disabled), the run still succeeds', async () => {
    const daemon = await spawnDaemon({ env: { OTEL_TRACES_EXPORTER: 'none' } });
    try {
      const run = await smokeRun(daemon.url);
      expect(run.signals).to.deep.equal({
        log: { status: 'emitted' },
        trace: { status: 'skipped', reason: 'disabled' },
        metric: { status: 'emitted' },
      });
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  });

  it('OTEL_SDK_DISABLED=true: nothing goes to the collector; runs still answer with an id, the trace signal skipped (disabled), log and metric verified', async () => {
    const receiver = await startOtlpReceiver();
    const daemon = await spawnDaemon({
      env: {
        OTEL_SDK_DISABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, // spans and log records, were the SDK on
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '50',
        PETSAGE_SMOKE_INTERVAL: '0',
      },
    });
    const run = await smokeRun(daemon.url);
    expect(run.trace_id).to.match(/^[0-9a-f]{32}$/);
    expect(run.signals).to.deep.equal({
      log: { status: 'emitted' },
      trace: { status: 'skipped', reason: 'disabled' },
      metric: { status: 'emitted' },
    });
    const { status, receipt } = await gate(daemon.url, 'sdk-disabled');
    expect(status, JSON.stringify(receipt)).to.equal(200);
    expect(outcomes(receipt)).to.deep.equal({ log: 'verified', trace: 'skipped/disabled', metric: 'verified' });
    expect((await stopDaemon(daemon)).code, daemon.stderr()).to.equal(0); // the drain flushes what there is
    expect(receiver.received.map((r) => r.path)).to.deep.equal([]);
    expect(jsonLines(daemon.logFile).find((l) => l.event === 'daemon.stopped')).to.include({
      runs_total: 2,
      spans_exported: 0,
    });
  });

  it('OTEL_TRACES_EXPORTER=console (traces.exporter: console): each run span printed on stdout, none in the span file; the trace verified by the exporter', async () => {
    const daemon = await spawnDaemon({
      env: { OTEL_TRACES_EXPORTER: 'console', OTEL_BSP_SCHEDULE_DELAY: '50', PETSAGE_SMOKE_INTERVAL: '0' },
    });
    const run = await smokeRun(daemon.url);
    expect(run.signals.trace).to.deep.equal({ status: 'emitted' });
    const { status, receipt } = await gate(daemon.url, 'console-1');
    expect(status, JSON.stringify(receipt)).to.equal(200);
    expect(receipt.checks['trace:verification']![0]).to.include({ outcome: 'verified', backend: 'exporter' });
    expect((await stopDaemon(daemon)).code, daemon.stderr()).to.equal(0); // its output is read to the end
    // The SDK's console exporter prints each span as an object literal, a field a line.
    const printed = daemon.stdout.join('\n');
    expect(printed).to.include(`traceId: '${run.trace_id}'`);
    expect(printed).to.include(`'petsage.smoke.run_id': 'console-1'`);
    expect(daemon.stdout.filter((l) => l.trim() === `name: '${RUN_SPAN_NAME}',`)).to.have.length(2);
    expect(existsSync(daemon.spanFile), 'no span file').to.equal(false);
  });
});
