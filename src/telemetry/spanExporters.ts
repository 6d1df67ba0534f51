import type * as OtlpHttpJson from '@opentelemetry/exporter-trace-otlp-http';
import type * as OtlpHttpProto from '@opentelemetry/exporter-trace-otlp-proto';
import { ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Config } from '../config/schema';
import { OtlpJsonFileExporter } from './otlpJsonFile';

/** `auto` means OTLP when an endpoint is configured (OTEL_EXPORTER_OTLP_*), else the local file. */
export function chooseExporter(traces: Config['traces']): { exporter?: SpanExporter; destination: string } {
  const url =
    traces.otlp.tracesEndpoint || (traces.otlp.endpoint && `${traces.otlp.endpoint.replace(/\/+$/, '')}/v1/traces`);
  const kind = traces.exporter === 'auto' ? (url ? 'otlp' : 'file') : traces.exporter;
  switch (kind) {
    case 'otlp': {
      // Only the chosen exporter is loaded: each costs tens of milliseconds at startup.
      /* eslint-disable @typescript-eslint/no-require-imports */
      const Exporter =
        traces.otlp.protocol === 'http/json'
          ? (require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttpJson).OTLPTraceExporter
          : (require('@opentelemetry/exporter-trace-otlp-proto') as typeof OtlpHttpProto).OTLPTraceExporter;
      /* eslint-enable @typescript-eslint/no-require-imports */
      return {
        exporter: new Exporter(
          url ? { url, timeoutMillis: traces.batch.exportTimeout } : { timeoutMillis: traces.batch.exportTimeout },
        ),
        destination: `otlp ${traces.otlp.protocol} ${url || 'http://localhost:4318/v1/traces'}`,
      };
    }
    case 'file':
      return {
        exporter: new OtlpJsonFileExporter(traces.file.path, traces.file),
        destination: `file ${traces.file.path}`,
      };
    case 'console':
      return { exporter: new ConsoleSpanExporter(), destination: 'console' };
    default:
      return { destination: 'none' };
  }
}
