import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { core, type tracing } from '@opentelemetry/sdk-node';
import { RotatingFile, type FileRotation } from './rotatingFile';

const NEWLINE = Buffer.from('\n');

/**
 * Appends each batch as one OTLP/JSON ExportTraceServiceRequest per line: the format the
 * OpenTelemetry Collector's otlpjsonfile receiver reads. Serialised by the OTel transformer;
 * rotated by size like the log, so it cannot fill a disk either.
 */
export class OtlpJsonFileExporter implements tracing.SpanExporter {
  private readonly file: RotatingFile;
  private error: Error | undefined;

  constructor(path: string, rotation: FileRotation) {
    this.file = new RotatingFile(path, rotation);
    this.file.on('error', (err: Error) => {
      this.error = err;
    });
  }

  export(spans: tracing.ReadableSpan[], done: (result: core.ExportResult) => void): void {
    if (this.error) return done({ code: core.ExportResultCode.FAILED, error: this.error });
    const body = JsonTraceSerializer.serializeRequest(spans);
    if (!body) return done({ code: core.ExportResultCode.FAILED, error: new Error('spans could not be serialised') });
    this.file.write(Buffer.concat([body, NEWLINE]), (err) =>
      done(err ? { code: core.ExportResultCode.FAILED, error: err } : { code: core.ExportResultCode.SUCCESS }),
    );
  }

  shutdown(): Promise<void> {
    return this.file.end();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
