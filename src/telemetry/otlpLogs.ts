import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { SeverityNumber, type Logger } from '@opentelemetry/api-logs';
import type * as LogsOtlpHttp from '@opentelemetry/exporter-logs-otlp-http';
import type * as LogsOtlpProto from '@opentelemetry/exporter-logs-otlp-proto';
import { logs, type core, type resources } from '@opentelemetry/sdk-node';
import Transport from 'winston-transport';
import type { PipelineConfig } from '../config/pipelines';
import { shownUrl } from '../text';
import { EVENT, type ExportOutcome } from '../vocabulary';
import { ExportAccounting, ExportEvents, type ExportListener } from './exportAccounting';
import type { BatchSettings } from './spanPipeline';
import { otlpOptions } from './spanExporters';

/** The OTLP log pipeline of one pipeline: its verification lines, as records, to an OTLP endpoint (Loki, a Collector). */
export interface OtlpLogs {
  /** The winston transport that turns this pipeline's verification lines into records; undefined when off. */
  readonly transport: Transport | undefined;
  /** "otlp http/protobuf http://…/v1/logs", or "none". */
  readonly destination: string;
  /** Sees each exported batch: the trace ids of its records and the exporter's answer. */
  onExported(listener: ExportListener): void;
  forceFlush(): Promise<void>;
  /** Exports what is queued; never rejects (a failed last export is already counted). */
  shutdown(): Promise<void>;
}

/** A BatchLogRecordProcessor that accounts for every record: acknowledged, failed or dropped. */
class CountingLogRecordProcessor implements logs.LogRecordProcessor {
  private readonly batch: logs.BatchLogRecordProcessor;
  private readonly accounting: ExportAccounting<logs.ReadableLogRecord>;

  constructor(
    exporter: logs.LogRecordExporter,
    settings: BatchSettings,
    count: (outcome: ExportOutcome, n: number) => void,
    observe: (records: readonly logs.ReadableLogRecord[], result: core.ExportResult) => void,
  ) {
    this.accounting = new ExportAccounting(settings.maxQueueSize, count, observe);
    this.batch = new logs.BatchLogRecordProcessor({
      exporter: this.accounting.wrap(exporter) as logs.LogRecordExporter,
      maxQueueSize: settings.maxQueueSize,
      maxExportBatchSize: settings.maxExportBatchSize,
      scheduledDelayMillis: settings.scheduledDelay,
      exportTimeoutMillis: settings.exportTimeout,
    });
  }

  onEmit(record: logs.SdkLogRecord): void {
    if (this.accounting.admit()) this.batch.onEmit(record);
  }

  forceFlush(): Promise<void> {
    return this.batch.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.accounting.shutdown(this.batch);
  }
}

/** Fields of a line that are the record's trace context, not its attributes. */
const CORRELATION = new Set(['message', 'level', 'trace_id', 'span_id', 'trace_flags']);

/**
 * A pipeline's verification lines as log records, emitted through that pipeline's own logger with the
 * run's trace context. (@opentelemetry/winston-transport writes only to the process-wide logger
 * provider; each pipeline has a provider of its own.)
 */
class VerificationRecords extends Transport {
  constructor(
    private readonly logger: Logger,
    private readonly pipeline: string,
  ) {
    super();
  }

  override log(info: Record<string, unknown>, done: () => void): void {
    if (info.event === EVENT.verification && info.pipeline === this.pipeline) {
      const attributes: Record<string, string | number | boolean> = {};
      for (const [key, value] of Object.entries(info)) {
        if (
          !CORRELATION.has(key) &&
          (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        )
          attributes[key] = value;
      }
      const spanContext = {
        traceId: String(info.trace_id),
        spanId: String(info.span_id),
        traceFlags: TraceFlags.SAMPLED,
      };
      this.logger.emit({
        severityNumber: SeverityNumber.INFO,
        severityText: 'info',
        body: String(info.message),
        attributes,
        context: trace.setSpanContext(ROOT_CONTEXT, spanContext),
      });
    }
    done();
  }
}

/** `auto`: OTLP when an endpoint is configured (OTEL_EXPORTER_OTLP_*), else none. */
function chooseLogExporter(otlp: PipelineConfig['log']['otlp']): {
  exporter?: logs.LogRecordExporter;
  destination: string;
} {
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
    exporter: new Exporter(otlpOptions(url, otlp.headers, otlp.batch.exportTimeout)),
    destination: `otlp ${otlp.protocol} ${shownUrl(url || 'http://localhost:4318/v1/logs')}`,
  };
}

export function createOtlpLogs(
  settings: {
    readonly pipeline: string;
    readonly otlp: PipelineConfig['log']['otlp'];
    readonly resource: resources.Resource;
    readonly disabled: boolean;
  },
  options: { countRecords: (outcome: ExportOutcome, n: number) => void; exporter?: logs.LogRecordExporter },
): OtlpLogs {
  const events = new ExportEvents();
  const chosen = settings.disabled
    ? { destination: 'none (OTEL_SDK_DISABLED)' }
    : options.exporter
      ? { exporter: options.exporter, destination: 'custom' }
      : chooseLogExporter(settings.otlp);
  if (!chosen.exporter)
    return {
      transport: undefined,
      destination: chosen.destination,
      onExported: () => {},
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
  const processor = new CountingLogRecordProcessor(
    chosen.exporter,
    settings.otlp.batch,
    options.countRecords,
    (records, result) => {
      const traceIds = records.map((r) => r.spanContext?.traceId).filter((id): id is string => id !== undefined);
      if (traceIds.length > 0) events.emit(traceIds, result);
    },
  );
  const provider = new logs.LoggerProvider({ resource: settings.resource, processors: [processor] });
  return {
    transport: new VerificationRecords(provider.getLogger(EVENT.verification), settings.pipeline),
    destination: chosen.destination,
    onExported: (listener) => events.on(listener),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}
