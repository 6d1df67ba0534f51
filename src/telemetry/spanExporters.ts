import type * as OtlpHttpJson from '@opentelemetry/exporter-trace-otlp-http';
import type * as OtlpHttpProto from '@opentelemetry/exporter-trace-otlp-proto';
import { tracing } from '@opentelemetry/sdk-node';
import { kindOf, tracesUrl, type PipelineConfig } from '../config/pipelines';
import { shownUrl } from '../text';
import { OtlpJsonFileExporter } from './otlpJsonFile';

/** An OTLP exporter's options: the URL (else its OTEL_* default), headers (a tenant, a key), its deadline. */
export const otlpOptions = (url: string, headers: Readonly<Record<string, string>>, timeoutMillis: number) => ({
  ...(url ? { url } : {}),
  ...(Object.keys(headers).length > 0 ? { headers: { ...headers } } : {}),
  timeoutMillis,
});

export function chooseExporter(traces: PipelineConfig['traces']): {
  exporter?: tracing.SpanExporter;
  destination: string;
} {
  const url = tracesUrl(traces);
  switch (kindOf(traces)) {
    case 'otlp': {
      // Only the chosen exporter is loaded: each costs tens of milliseconds at startup.
      /* eslint-disable @typescript-eslint/no-require-imports */
      const Exporter =
        traces.otlp.protocol === 'http/json'
          ? (require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttpJson).OTLPTraceExporter
          : (require('@opentelemetry/exporter-trace-otlp-proto') as typeof OtlpHttpProto).OTLPTraceExporter;
      /* eslint-enable @typescript-eslint/no-require-imports */
      return {
        exporter: new Exporter(otlpOptions(url, traces.otlp.headers, traces.batch.exportTimeout)),
        destination: `otlp ${traces.otlp.protocol} ${shownUrl(url || 'http://localhost:4318/v1/traces')}`,
      };
    }
    case 'file':
      return {
        exporter: new OtlpJsonFileExporter(traces.file.path, traces.file),
        destination: `file ${traces.file.path}`,
      };
    case 'console':
      return { exporter: new tracing.ConsoleSpanExporter(), destination: 'console' };
    default:
      return { destination: 'none' };
  }
}
