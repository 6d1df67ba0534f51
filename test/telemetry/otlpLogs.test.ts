import { expect } from 'chai';
import { logs as sdkLogs, resources } from '@opentelemetry/sdk-node';
import { loadConfig } from '../../src/config/load';
import { createLogger } from '../../src/telemetry/logger';
import { createOtlpLogs } from '../../src/telemetry/otlpLogs';
import { EVENT, VERIFICATION_MESSAGE, type ExportOutcome } from '../../src/vocabulary';
import { ArrayTransport } from '../support/app';

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

function pipeline(exporter: sdkLogs.InMemoryLogRecordExporter, otlp = loadConfig({ env: {} }).log.otlp) {
  const counts: Record<ExportOutcome, number> = { success: 0, failure: 0, dropped: 0 };
  const acks: string[][] = [];
  const logs = createOtlpLogs(
    { pipeline: 'default', otlp, resource: RESOURCE, disabled: false },
    { exporter, countRecords: (o, n) => (counts[o] += n) },
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
});
