import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { RotatingFile, type FileRotation } from './rotatingFile';

const NEWLINE = Buffer.from('\n');

/**
 * Appends each batch as one OTLP/JSON ExportTraceServiceRequest per line: the format the
 * OpenTelemetry Collector's otlpjsonfile receiver reads. Serialised by the OTel transformer;
 * rotated by size like the log, so it cannot fill a disk either.
 */
export class OtlpJsonFileExporter implements SpanExporter {
  private readonly file: RotatingFile;
  private error: Error | undefined;

  constructor(path: string, rotation: FileRotation) {
    this.file = new RotatingFile(path, rotation);
    this.file.on('error', (err: Error) => {
      this.error = err;
    });
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.error) return done({ code: ExportResultCode.FAILED, error: this.error });
    const body = JsonTraceSerializer.serializeRequest(spans);
    if (!body) return done({ code: ExportResultCode.FAILED, error: new Error('spans could not be serialised') });
    this.file.write(Buffer.concat([body, NEWLINE]), (err) =>
      done(err ? { code: ExportResultCode.FAILED, error: err } : { code: ExportResultCode.SUCCESS }),
    );
  }

  shutdown(): Promise<void> {
    return this.file.end();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
