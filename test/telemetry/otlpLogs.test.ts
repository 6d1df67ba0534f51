import { expect } from 'chai';
import { logs as sdkLogs, resources } from '@opentelemetry/sdk-node';
import { loadConfig } from '../../src/config/load';
import { createLogger } from '../../src/telemetry/logger';
import { createOtlpLogs } from '../../src/telemetry/otlpLogs';
import { EVENT, VERIFICATION_MESSAGE, type ExportOutcome } from '../../src/vocabulary';
import { ArrayTransport } from '../support/app';
import { startOtlpReceiver } from '../support/otlpReceiver';

const RESOURCE = resources.resourceFromAttributes({ 'service.name': 'petsage-smoke' });
const record = {
  pipeline: 'default',
  runId: 'deploy-1',
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  seq: 7,
  trigger: 'api',
  timestamp: '2026-12-04T00:00:00.000Z',
} as const;

function pipeline(exporter: sdkLogs.LogRecordExporter | undefined, otlp = loadConfig({ env: {} }).log.otlp) {
  const counts: Record<ExportOutcome, number> = { success: 0, failure: 0, dropped: 0 };
  const acks: string[][] = [];
  const logs = createOtlpLogs(
    { pipeline: 'default', otlp, resource: RESOURCE, disabled: false },
    { ...(exporter ? { exporter } : {}), countRecords: (o, n) => (counts[o] += n) },
  );
  logs.onExported((ids) => acks.push([...ids]));
  const logger = createLogger(
    {
      service: 'petsage-smoke',
      processId: 'abc',
      level: 'info',
      file: { enabled: false, path: '-', required: false, maxSize: 0, maxFiles: 1 },
      stdout: { enabled: false },
    },
    { transports: [new ArrayTransport()], otlp: [logs.transport!] },
  );
  return { logs, logger, counts, acks };
}

describe('OTLP log records', () => {
  it("the verification line becomes a record in this daemon's own pipeline, with the run's trace context, counted and acknowledged", async () => {
    const exporter = new sdkLogs.InMemoryLogRecordExporter();
    const { logs, logger, counts, acks } = pipeline(exporter);
    logger.port.writeVerification(record);
    logger.logger.info('listening', { event: EVENT.listening });
    await logs.forceFlush();
    const records = exporter.getFinishedLogRecords();
    expect(records, 'only the verification line').to.have.length(1);
    const [r] = records;
    expect(r!.body).to.equal(VERIFICATION_MESSAGE);
    expect(r!.spanContext).to.include({ traceId: record.traceId, spanId: record.spanId });
    expect(r!.attributes).to.include({ run_id: 'deploy-1', seq: 7, event: EVENT.verification, trigger: 'api' });
    expect(r!.resource.attributes['service.name']).to.equal('petsage-smoke');
    expect(counts).to.deep.equal({ success: 1, failure: 0, dropped: 0 });
    expect(acks).to.deep.equal([[record.traceId]]);
    await logs.shutdown();
  });

  it('records beyond the queue are dropped and counted; a failed export is counted as failed', async () => {
    const otlp = {
      ...loadConfig({ env: {} }).log.otlp,
      batch: { maxQueueSize: 2, maxExportBatchSize: 2, scheduledDelay: 60_000, exportTimeout: 1000 },
    };
    const failing = new sdkLogs.InMemoryLogRecordExporter();
    failing.export = (_records, done) => done({ code: 1, error: new Error('refused') });
    const { logs, logger, counts } = pipeline(failing, otlp);
    for (let i = 0; i < 5; i += 1) logger.port.writeVerification({ ...record, seq: i });
    await logs.forceFlush();
    expect(counts).to.deep.equal({ success: 0, failure: 2, dropped: 3 });
    await logs.shutdown();
  });

  it('auto: no OTLP endpoint, no pipeline (the embedded default)', () => {
    const logs = createOtlpLogs(
      { pipeline: 'default', otlp: loadConfig({ env: {} }).log.otlp, resource: RESOURCE, disabled: false },
      { countRecords: () => {} },
    );
    expect([logs.transport, logs.destination]).to.deep.equal([undefined, 'none']);
    const on = createOtlpLogs(
      {
        pipeline: 'default',
        otlp: loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' } }).log.otlp,
        resource: RESOURCE,
        disabled: false,
      },
      { countRecords: () => {} },
    );
    expect(on.destination).to.equal('otlp http/protobuf http://127.0.0.1:9/v1/logs');
    void on.shutdown();
  });

  it('the destination: trailing slashes of the endpoint dropped, the default URL when OTLP is asked for without one, custom, or off', async () => {
    const named = (
      env: Record<string, string>,
      o: { disabled?: boolean; exporter?: sdkLogs.LogRecordExporter } = {},
    ) => {
      const logs = createOtlpLogs(
        { pipeline: 'default', otlp: loadConfig({ env }).log.otlp, resource: RESOURCE, disabled: o.disabled ?? false },
        { countRecords: () => {}, ...(o.exporter ? { exporter: o.exporter } : {}) },
      );
      void logs.shutdown();
      return logs.destination;
    };
    expect(named({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9/otlp//' })).to.equal(
      'otlp http/protobuf http://127.0.0.1:9/otlp/v1/logs',
    );
    expect(named({ OTEL_LOGS_EXPORTER: 'otlp' })).to.equal('otlp http/protobuf http://localhost:4318/v1/logs');
    expect(named({}, { exporter: new sdkLogs.InMemoryLogRecordExporter() })).to.equal('custom');
    expect(named({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, { disabled: true })).to.equal(
      'none (OTEL_SDK_DISABLED)',
    );
  });

  for (const [protocol, contentType] of [
    ['http/protobuf', 'application/x-protobuf'],
    ['http/json', 'application/json'],
  ] as const) {
    it(`${protocol}: the records are posted to <endpoint>/v1/logs as ${contentType}`, async () => {
      const receiver = await startOtlpReceiver();
      const otlp = loadConfig({
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.endpoint}/`, OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: protocol },
      }).log.otlp;
      const { logs, logger } = pipeline(undefined, otlp);
      logger.port.writeVerification(record);
      await logs.forceFlush();
      expect(receiver.received.map((r) => [r.path, r.headers['content-type']])).to.deep.equal([
        ['/v1/logs', contentType],
      ]);
      expect(receiver.received[0]!.body.includes(Buffer.from('deploy-1')), 'the record is in the body').to.equal(true);
      await logs.shutdown();
    });
  }

  it("the transport: only this pipeline's verification lines, primitive fields as attributes, the trace context apart", async () => {
    const exporter = new sdkLogs.InMemoryLogRecordExporter();
    const { logs, acks } = pipeline(exporter);
    const transport = logs.transport!;
    const write = (info: Record<string, unknown>) => new Promise<void>((done) => transport.log!(info, done));
    const line = {
      event: EVENT.verification,
      pipeline: 'default',
      message: VERIFICATION_MESSAGE,
      level: 'info',
      trace_id: record.traceId,
      span_id: record.spanId,
      trace_flags: '01',
      run_id: 'deploy-1',
      seq: 7,
      sampled: true,
      nested: { a: 1 },
      missing: undefined,
    };
    await write({ ...line, pipeline: 'other' });
    await write({ ...line, event: EVENT.listening });
    await write(line);
    await logs.forceFlush();
    const records = exporter.getFinishedLogRecords();
    expect(records, "neither another pipeline's line nor another event").to.have.length(1);
    expect(records[0]!.attributes).to.deep.equal({
      event: EVENT.verification,
      pipeline: 'default',
      run_id: 'deploy-1',
      seq: 7,
      sampled: true,
    });
    expect([records[0]!.severityText, records[0]!.severityNumber]).to.deep.equal(['info', 9]);
    expect(acks).to.deep.equal([[record.traceId]]);
    await logs.shutdown();
  });

  it('a record without a trace context is exported and counted, but acknowledges no run', async () => {
    const exporter = new sdkLogs.InMemoryLogRecordExporter();
    const { logs, counts, acks } = pipeline(exporter);
    await new Promise<void>((done) =>
      logs.transport!.log!({ event: EVENT.verification, pipeline: 'default', message: VERIFICATION_MESSAGE }, done),
    );
    await logs.forceFlush();
    expect(exporter.getFinishedLogRecords()).to.have.length(1);
    expect(counts.success).to.equal(1);
    expect(acks, 'no trace id, nothing to acknowledge').to.deep.equal([]);
    await logs.shutdown();
  });

  it('shutdown exports what is still queued and resolves', async () => {
    const otlp = {
      ...loadConfig({ env: {} }).log.otlp,
      batch: { maxQueueSize: 10, maxExportBatchSize: 10, scheduledDelay: 60_000, exportTimeout: 1000 },
    };
    const exporter = new sdkLogs.InMemoryLogRecordExporter();
    const { logs, counts } = pipeline(exporter, otlp);
    await new Promise<void>((done) =>
      logs.transport!.log!({ event: EVENT.verification, pipeline: 'default', trace_id: record.traceId }, done),
    );
    await logs.shutdown();
    expect(counts).to.deep.equal({ success: 1, failure: 0, dropped: 0 });
    const off = createOtlpLogs(
      { pipeline: 'default', otlp: loadConfig({ env: {} }).log.otlp, resource: RESOURCE, disabled: false },
      { countRecords: () => {} },
    );
    expect([off.forceFlush(), off.shutdown()].every((p) => p instanceof Promise)).to.equal(true);
  });
});
