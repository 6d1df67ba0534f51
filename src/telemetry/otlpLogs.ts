import type { Logger } from '@opentelemetry/api-logs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type * as LogsOtlpHttp from '@opentelemetry/exporter-logs-otlp-http';
import type * as LogsOtlpProto from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type LogRecordProcessor,
  type ReadableLogRecord,
  type ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { OpenTelemetryTransportV3 } from '@opentelemetry/winston-transport';
import winston from 'winston';
import type Transport from 'winston-transport';
import type { Config } from '../config/schema';
import { EVENT, type SpanOutcome } from '../vocabulary';
import { ExportAccounting } from './exportAccounting';
import type { BatchSettings } from './spanPipeline';
import type { SpanAck } from './tracing';

/** The OTLP log pipeline: the verification line, as a record, to an OTLP endpoint (Loki, a Collector). */
export interface OtlpLogs {
  /** The winston transport that turns verification lines into records; undefined when off. */
  readonly transport: Transport | undefined;
  /** "otlp http/protobuf http://…/v1/logs", or "none". */
  readonly destination: string;
  forceFlush(): Promise<void>;
  /** Exports what is queued; never rejects (a failed last export is already counted). */
  shutdown(): Promise<void>;
}

/** A BatchLogRecordProcessor that accounts for every record: acknowledged, failed or dropped. */
class CountingLogRecordProcessor implements LogRecordProcessor {
  private readonly batch: BatchLogRecordProcessor;
  private readonly accounting: ExportAccounting<ReadableLogRecord>;

  constructor(
    exporter: LogRecordExporter,
    settings: BatchSettings,
    count: (outcome: SpanOutcome, n: number) => void,
    observe: (records: readonly ReadableLogRecord[], result: ExportResult) => void,
  ) {
    this.accounting = new ExportAccounting(settings.maxQueueSize, count, observe);
    this.batch = new BatchLogRecordProcessor({
      exporter: this.accounting.wrap(exporter) as LogRecordExporter,
      maxQueueSize: settings.maxQueueSize,
      maxExportBatchSize: settings.maxExportBatchSize,
      scheduledDelayMillis: settings.scheduledDelay,
      exportTimeoutMillis: settings.exportTimeout,
    });
  }

  onEmit(record: ReadWriteLogRecord): void {
    if (this.accounting.admit()) this.batch.onEmit(record);
  }

  forceFlush(): Promise<void> {
    return this.batch.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.accounting.shutdown(this.batch);
  }
}

/**
 * @opentelemetry/winston-transport, writing to this daemon's own logger provider rather than the
 * process-wide one (two daemons in one process, the tests, must not share a pipeline). Version
 * 0.34 keeps its logger in a private field; test/telemetry/otlpLogs.test.ts fails if that changes.
 */
class ProviderTransport extends OpenTelemetryTransportV3 {
  constructor(logger: Logger) {
    // Only the verification line: the daemon's own lines stay in the file and on stdout.
    super({ format: winston.format((info) => (info.event === EVENT.verification ? info : false))() });
    (this as unknown as { _logger: Logger })._logger = logger;
  }
}

/** `auto`: OTLP when an endpoint is configured (OTEL_EXPORTER_OTLP_*), else none. */
function chooseLogExporter(otlp: Config['log']['otlp']): { exporter?: LogRecordExporter; destination: string } {
  const url = otlp.logsEndpoint || (otlp.endpoint && `${otlp.endpoint.replace(/\/+$/, '')}/v1/logs`);
  const kind = otlp.exporter === 'auto' ? (url ? 'otlp' : 'none') : otlp.exporter;
  if (kind === 'none') return { destination: 'none' };
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Exporter =
    otlp.protocol === 'http/json'
      ? (require('@opentelemetry/exporter-logs-otlp-http') as typeof LogsOtlpHttp).OTLPLogExporter
      : (require('@opentelemetry/exporter-logs-otlp-proto') as typeof LogsOtlpProto).OTLPLogExporter;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    exporter: new Exporter(
      url ? { url, timeoutMillis: otlp.batch.exportTimeout } : { timeoutMillis: otlp.batch.exportTimeout },
    ),
    destination: `otlp ${otlp.protocol} ${url || 'http://localhost:4318/v1/logs'}`,
  };
}

export function createOtlpLogs(
  settings: { readonly service: string; readonly version: string; readonly otlp: Config['log']['otlp'] },
  options: {
    countRecords: (outcome: SpanOutcome, n: number) => void;
    /** Called once per exported batch with the trace ids of its verification records. */
    onRecordsExported?: (traceIds: readonly string[], ack: SpanAck) => void;
    /** Replaces the configured exporter (tests). */
    exporter?: LogRecordExporter;
    now?: () => number;
  },
): OtlpLogs {
  const now = options.now ?? Date.now;
  const { exporter, destination } = options.exporter
    ? { exporter: options.exporter, destination: 'custom' }
    : chooseLogExporter(settings.otlp);
  if (!exporter)
    return {
      transport: undefined,
      destination,
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
  const observe = (records: readonly ReadableLogRecord[], result: ExportResult) => {
    const traceIds = records.map((r) => r.spanContext?.traceId).filter((id): id is string => id !== undefined);
    if (traceIds.length === 0) return;
    options.onRecordsExported?.(traceIds, {
      ok: result.code === ExportResultCode.SUCCESS,
      atMs: now(),
      ...(result.error ? { error: result.error.message } : {}),
    });
  };
  const processor = new CountingLogRecordProcessor(exporter, settings.otlp.batch, options.countRecords, observe);
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.service,
      [ATTR_SERVICE_VERSION]: settings.version,
    }),
    processors: [processor],
  });
  return {
    transport: new ProviderTransport(provider.getLogger(settings.service, settings.version)),
    destination,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}
