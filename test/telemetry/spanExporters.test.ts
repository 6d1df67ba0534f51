import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OTLPTraceExporter as OtlpJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { core, tracing } from '@opentelemetry/sdk-node';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/load';
import { OtlpJsonFileExporter } from '../../src/telemetry/otlpJsonFile';
import { chooseExporter, otlpOptions } from '../../src/telemetry/spanExporters';
import { releaseAfter } from '../support/cleanup';
import { tmpDir } from '../support/tmp';

const tracesOf = (env: Record<string, string>) => loadConfig({ env }).traces;
function chosen(env: Record<string, string>) {
  const choice = chooseExporter(tracesOf(env));
  if (choice.exporter) releaseAfter('span exporter', () => choice.exporter!.shutdown());
  return choice;
}

/** Two finished spans, as the SDK hands them to an exporter. */
function twoSpans(): tracing.ReadableSpan[] {
  const memory = new tracing.InMemorySpanExporter();
  const tracer = new tracing.BasicTracerProvider({
    spanProcessors: [new tracing.SimpleSpanProcessor(memory)],
  }).getTracer('test');
  for (const name of ['smoke_test', 'second']) tracer.startSpan(name).end();
  return memory.getFinishedSpans();
}
const exported = (exporter: tracing.SpanExporter, spans: tracing.ReadableSpan[]) =>
  new Promise<core.ExportResult>((resolve) => exporter.export(spans, resolve));

describe('span exporters: the one each pipeline is given, and where it says it sends', () => {
  it('otlp: protobuf unless http/json is asked, to the configured URL (credentials not shown) or the OTLP default', () => {
    const proto = chosen({ OTEL_TRACES_EXPORTER: 'otlp' });
    expect(proto.exporter).to.be.instanceOf(OtlpProto);
    expect(proto.destination).to.equal('otlp http/protobuf http://localhost:4318/v1/traces');
    const json = chosen({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:secret@127.0.0.1:4318/',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    });
    expect(json.exporter).to.be.instanceOf(OtlpJson);
    expect(json.destination).to.match(/^otlp http\/json http:\/\/(\*+:\*+@|)127\.0\.0\.1:4318\/v1\/traces$/);
    expect(json.destination).to.not.include('secret');
  });

  it('file by default (no endpoint), console, or none', () => {
    const file = path.join(tmpDir(), 'spans.jsonl');
    const toFile = chosen({ PETSAGE_SMOKE_SPAN_FILE: file });
    expect([toFile.exporter instanceof OtlpJsonFileExporter, toFile.destination]).to.deep.equal([true, `file ${file}`]);
    const console = chosen({ OTEL_TRACES_EXPORTER: 'console' });
    expect([console.exporter instanceof tracing.ConsoleSpanExporter, console.destination]).to.deep.equal([
      true,
      'console',
    ]);
    expect(chosen({ OTEL_TRACES_EXPORTER: 'none' })).to.deep.equal({ destination: 'none' });
  });

  it("an OTLP exporter's options: the URL and headers only when set, always the deadline", () => {
    expect(otlpOptions('', {}, 5000)).to.deep.equal({ timeoutMillis: 5000 });
    const headers = { 'X-Scope-OrgID': 'team-a' };
    const options = otlpOptions('http://127.0.0.1:4318/v1/traces', headers, 100);
    expect(options).to.deep.equal({ url: 'http://127.0.0.1:4318/v1/traces', headers, timeoutMillis: 100 });
    expect(options.headers, 'a copy').to.not.equal(headers);
  });
});

describe('OtlpJsonFileExporter', () => {
  it('appends each batch as one OTLP/JSON request per line, and says so', async () => {
    const file = path.join(tmpDir(), 'spans.jsonl');
    const exporter = new OtlpJsonFileExporter(file, { maxSize: 0, maxFiles: 1 });
    const spans = twoSpans();
    expect(await exported(exporter, spans)).to.deep.equal({ code: core.ExportResultCode.SUCCESS });
    expect(await exported(exporter, spans.slice(0, 1))).to.deep.equal({ code: core.ExportResultCode.SUCCESS });
    await exporter.forceFlush();
    await exporter.shutdown();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.at(-1), 'each line ends').to.equal('');
    const batches = lines
      .filter(Boolean)
      .map(
        (l) => JSON.parse(l) as { resourceSpans: { scopeSpans: { spans: { name: string; traceId: string }[] }[] }[] },
      );
    expect(batches.map((b) => b.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name))).to.deep.equal([
      ['smoke_test', 'second'],
      ['smoke_test'],
    ]);
    expect(batches[0]!.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId).to.equal(spans[0]!.spanContext().traceId);
  });
});
