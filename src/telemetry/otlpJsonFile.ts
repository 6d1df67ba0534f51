import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

const NEWLINE = Buffer.from('\n');

/**
 * Appends each batch as one OTLP/JSON ExportTraceServiceRequest per line: the format the
 * OpenTelemetry Collector's otlpjsonfile receiver reads. Serialised by the OTel transformer.
 */
export class OtlpJsonFileExporter implements SpanExporter {
  private readonly stream: WriteStream;
  private error: Error | undefined;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.stream = createWriteStream(file, { flags: 'a' });
    this.stream.on('error', (err) => {
      this.error = err;
    });
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.error) return done({ code: ExportResultCode.FAILED, error: this.error });
    const body = JsonTraceSerializer.serializeRequest(spans);
    if (!body) return done({ code: ExportResultCode.FAILED, error: new Error('spans could not be serialised') });
    this.stream.write(Buffer.concat([body, NEWLINE]), (err) =>
      done(err ? { code: ExportResultCode.FAILED, error: err } : { code: ExportResultCode.SUCCESS }),
    );
  }

  shutdown(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
