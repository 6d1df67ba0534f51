import { readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { core, tracing } from '@opentelemetry/sdk-node';
import { OtlpJsonFileExporter } from '../../src/telemetry/otlpJsonFile';
import { tmpDir } from '../support/tmp';

/** Ended spans from a provider of the test's own. */
function spans(n: number): tracing.ReadableSpan[] {
  const exporter = new tracing.InMemorySpanExporter();
  const tracer = new tracing.BasicTracerProvider({
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
  }).getTracer('t');
  for (let i = 0; i < n; i += 1) tracer.startSpan(`s${i}`).end();
  return exporter.getFinishedSpans();
}

const exported = (exporter: OtlpJsonFileExporter, batch: tracing.ReadableSpan[]) =>
  new Promise<core.ExportResult>((resolve) => exporter.export(batch, resolve));

describe('OTLP/JSON span file', () => {
  it('one ExportTraceServiceRequest per line, written by the time shutdown returns', async () => {
    const file = path.join(tmpDir(), 'spans.jsonl');
    const exporter = new OtlpJsonFileExporter(file, { maxSize: 0, maxFiles: 1 });
    expect((await exported(exporter, spans(2))).code).to.equal(core.ExportResultCode.SUCCESS);
    await exporter.forceFlush();
    await exporter.shutdown();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.at(-1), 'ends with a newline').to.equal('');
    const [request] = lines
      .slice(0, -1)
      .map((l) => JSON.parse(l) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] });
    expect(lines).to.have.length(2);
    expect(request!.resourceSpans[0]!.scopeSpans[0]!.spans).to.have.length(2);
  });

  it('a failed write fails the export, and the next one too', async () => {
    const file = path.join(tmpDir(), 'spans.jsonl');
    symlinkSync('/dev/full', file); // every write fails with ENOSPC
    const exporter = new OtlpJsonFileExporter(file, { maxSize: 0, maxFiles: 1 });
    const first = await exported(exporter, spans(1));
    expect([first.code, (first.error as NodeJS.ErrnoException).code]).to.deep.equal([
      core.ExportResultCode.FAILED,
      'ENOSPC',
    ]);
    expect((await exported(exporter, spans(1))).code, 'and the next').to.equal(core.ExportResultCode.FAILED);
    await exporter.shutdown();
  });
});
