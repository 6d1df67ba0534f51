import { expect } from 'chai';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import {
  JsonLogsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { logs, resources, tracing } from '@opentelemetry/sdk-node';
import { ATTR_RUN_ID, ATTR_RUN_SEQ, RUN_SPAN_NAME, VERIFICATION_MESSAGE } from '../../src/vocabulary';
import { fixtureBody, fixtureVars, manifest, type FixtureRun, type Store } from '../support/standins/fixtures';
import { startJaeger } from '../support/standins/jaeger';
import { startLoki } from '../support/standins/loki';
import { startTempo } from '../support/standins/tempo';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
type Encoding = typeof PROTOBUF | typeof JSON_TYPE;

const randomHex = (bytes: number) =>
  Buffer.from(Array.from({ length: bytes }, () => (Math.random() * 256) | 0)).toString('hex');
const aRun = (over: Partial<FixtureRun> = {}): FixtureRun => ({
  traceId: randomHex(16),
  spanId: randomHex(8),
  runId: `run-${randomHex(3)}`,
  seq: 7,
  startNs: BigInt(Date.now() - 5000) * 1_000_000n,
  ...over,
});
const hr = (ns: bigint): [number, number] => [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];

/** The run span as the daemon's SDK makes it, serialized as its OTLP exporter sends it. */
function spanExport(run: FixtureRun, encoding: Encoding): Uint8Array {
  const exporter = new tracing.InMemorySpanExporter();
  const provider = new tracing.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': 'petsage-smoke', 'telemetry.sdk.language': 'nodejs' }),
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
  });
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: run.traceId,
    spanId: randomHex(8),
    traceFlags: TraceFlags.SAMPLED,
  });
  const span = provider
    .getTracer('petsage-smoke')
    .startSpan(
      RUN_SPAN_NAME,
      { kind: SpanKind.INTERNAL, startTime: hr(run.startNs), attributes: { 'petsage.smoke.trigger': 'api' } },
      parent,
    );
  span.setAttribute(ATTR_RUN_SEQ, run.seq);
  span.setAttribute(ATTR_RUN_ID, run.runId);
  span.end(hr(run.endNs ?? run.startNs + 1_000_000n));
  const [finished] = exporter.getFinishedSpans();
  // The run span is a root: its parent only chose the trace id. Its own span id is the run's.
  const root = Object.assign(Object.create(Object.getPrototypeOf(finished)) as object, finished, {
    _spanContext: { ...finished!.spanContext(), spanId: run.spanId },
    parentSpanContext: undefined,
  }) as typeof finished;
  const serializer = encoding === PROTOBUF ? ProtobufTraceSerializer : JsonTraceSerializer;
  return serializer.serializeRequest([root!])!;
}

/** The run's verification record as the daemon's SDK makes it, serialized as its OTLP exporter sends it. */
function logExport(run: FixtureRun, encoding: Encoding): Uint8Array {
  const exporter = new logs.InMemoryLogRecordExporter();
  const provider = new logs.LoggerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': 'petsage-smoke' }),
    processors: [new logs.SimpleLogRecordProcessor({ exporter })],
  });
  provider.getLogger('petsage-smoke').emit({
    timestamp: hr(run.startNs),
    observedTimestamp: hr(run.startNs + 1000n),
    severityNumber: 9,
    severityText: 'info',
    body: VERIFICATION_MESSAGE,
    attributes: { event: 'smoke_test.verification', run_id: run.runId, seq: run.seq },
    context: trace.setSpanContext(ROOT_CONTEXT, {
      traceId: run.traceId,
      spanId: run.spanId,
      traceFlags: TraceFlags.SAMPLED,
    }),
  });
  const serializer = encoding === PROTOBUF ? ProtobufLogsSerializer : JsonLogsSerializer;
  return serializer.serializeRequest(exporter.getFinishedLogRecords())!;
}

const post = (url: string, body: Uint8Array, type: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get('content-type'), res, body: await res.text() };
};
const fill = (path: string, vars: Record<string, string>) => path.replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k]!);
const filledJson = (store: Store, name: string, run: FixtureRun) =>
  JSON.parse(
    fixtureBody(
      store,
      manifest(store).find((f) => f.name === name)!,
      fixtureVars(run),
    ),
  ) as unknown;

const starters = { loki: startLoki, tempo: startTempo, jaeger: startJaeger };

describe('stand-ins answer as the real stores do (test/fixtures/upstream)', () => {
  for (const store of ['loki', 'tempo', 'jaeger'] as const) {
    it(`${store}: every read fixture is served with its status, headers and body (answerWith)`, async () => {
      const standIn = await starters[store]({});
      try {
        const run = aRun();
        const vars = fixtureVars(run);
        for (const f of manifest(store).filter((x) => x.request.method === 'GET')) {
          standIn.answerWith(f.name, run);
          const answer = await get(`${standIn.url}${fill(f.request.path, vars)}`, f.request.headers ?? {});
          expect(answer.status, f.name).to.equal(f.status);
          for (const [k, v] of Object.entries(f.headers))
            expect(answer.res.headers.get(k), `${f.name} ${k}`).to.equal(v);
          if (!f.headers['content-type']) expect(answer.type, `${f.name}: no content type`).to.equal(null);
          expect(answer.body, f.name).to.equal(fixtureBody(store, f, vars));
          if (f.bodyFile) expect(() => JSON.parse(answer.body), `${f.name} is JSON`).to.not.throw();
          expect(f.source.commit, f.name).to.match(/^[0-9a-f]{40}$/);
        }
        standIn.answerNormally();
        expect((await get(`${standIn.url}${fill(manifest(store)[0]!.request.path, vars)}`)).status).to.not.equal(200);
      } finally {
        await standIn.close();
      }
    });
  }

  for (const encoding of [PROTOBUF, JSON_TYPE] as const) {
    it(`Loki: OTLP logs over ${encoding} stored as Loki 3 stores them; query_range answers as the fixtures`, async () => {
      const loki = await startLoki();
      try {
        const run = aRun();
        const sent = await post(`${loki.url}/otlp/v1/logs`, logExport(run, encoding), encoding);
        expect([sent.status, await sent.text()]).to.deep.equal([204, '']);
        expect(loki.stored[0]!.item.labels).to.deep.equal({ service_name: 'petsage-smoke' });
        const q = (extra: Record<string, string>, headers: Record<string, string> = {}) =>
          get(
            `${loki.url}/loki/api/v1/query_range?${new URLSearchParams({ query: `{service_name="petsage-smoke"} | trace_id=~"${run.traceId}"`, ...extra })}`,
            headers,
          );
        const window = { start: String(run.startNs - 1000n), end: String(run.startNs + 1000n) };
        const standard = await q(window);
        expect([standard.status, standard.type]).to.deep.equal([200, 'application/json; charset=UTF-8']);
        expect(JSON.parse(standard.body)).to.deep.equal(filledJson('loki', 'query_range.found', run));
        const categorized = await q(window, { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' });
        expect(JSON.parse(categorized.body)).to.deep.equal(filledJson('loki', 'query_range.found.categorized', run));
        const endExclusive = await q({ start: String(run.startNs - 1000n), end: String(run.startNs) });
        expect(JSON.parse(endExclusive.body), 'end is exclusive').to.deep.equal(
          filledJson('loki', 'query_range.empty', run),
        );
        const bad = await q({ query: '{foo="bar"' });
        expect([bad.status, bad.type]).to.deep.equal([400, 'text/plain; charset=utf-8']);
      } finally {
        await loki.close();
      }
    });

    it(`Tempo: OTLP traces over ${encoding} stored; by id (v1, v2) and search answer as the fixtures`, async () => {
      const tempo = await startTempo();
      try {
        const run = aRun();
        const sent = await post(`${tempo.url}/v1/traces`, spanExport(run, encoding), encoding);
        expect([sent.status, sent.headers.get('content-type')]).to.deep.equal([200, encoding]);
        const v1 = await get(`${tempo.url}/api/traces/${run.traceId}`);
        expect([v1.status, v1.type]).to.deep.equal([200, 'application/json']);
        const withoutFlags = (body: string) => JSON.parse(body.replace(/"flags":\d+,/g, '')) as unknown;
        expect(withoutFlags(v1.body)).to.deep.equal(filledJson('tempo', 'trace_v1.found', run));
        const v2 = JSON.parse((await get(`${tempo.url}/api/v2/traces/${run.traceId}`)).body) as { trace: unknown };
        expect(withoutFlags(JSON.stringify(v2.trace))).to.deep.equal(
          (filledJson('tempo', 'trace_v2.found', run) as { trace: unknown }).trace,
        );
        const missing = await get(`${tempo.url}/api/traces/${randomHex(16)}`);
        expect([missing.status, missing.type, missing.body]).to.deep.equal([404, null, '']);
        const q = `{ span.${ATTR_RUN_ID} = "${run.runId}" }`;
        const found = await get(`${tempo.url}/api/search?${new URLSearchParams({ q })}`);
        const expected = filledJson('tempo', 'search.found', run) as { traces: unknown[]; metrics: unknown };
        const answer = JSON.parse(found.body) as { traces: unknown[]; metrics: Record<string, unknown> };
        expect(answer.traces).to.deep.equal(expected.traces);
        expect(answer.metrics).to.have.keys(Object.keys(expected.metrics as object));
        const none = await get(
          `${tempo.url}/api/search?${new URLSearchParams({ q: `{ span.${ATTR_RUN_ID} = "x" }` })}`,
        );
        expect(JSON.parse(none.body)).to.not.have.property('traces');
        const bad = await get(`${tempo.url}/api/search?q=foo`);
        expect([bad.status, bad.type]).to.deep.equal([400, 'text/plain; charset=utf-8']);
        expect(bad.body).to.match(/^invalid TraceQL query: /);
      } finally {
        await tempo.close();
      }
    });

    it(`Jaeger: OTLP traces over ${encoding} stored; /api/traces and /api/v3/traces answer as the fixtures`, async () => {
      const jaeger = await startJaeger();
      try {
        for (const run of [aRun(), aRun({ traceId: `0000000000000000${randomHex(8)}` })]) {
          const sent = await post(`${jaeger.url}/v1/traces`, spanExport(run, encoding), encoding);
          expect(sent.status).to.equal(200);
          const ui = await get(`${jaeger.url}/api/traces/${run.traceId}`);
          expect([ui.status, ui.type]).to.deep.equal([200, 'application/json']);
          expect(JSON.parse(ui.body)).to.deep.equal(filledJson('jaeger', 'trace.found', run));
          const v3 = await get(`${jaeger.url}/api/v3/traces/${run.traceId}`);
          const span = (JSON.parse(v3.body) as { result: { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] } })
            .result.resourceSpans[0]!.scopeSpans[0]!.spans[0];
          const expected = filledJson('jaeger', 'v3_trace.found', run) as typeof span & {
            result: { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
          };
          expect(JSON.parse(JSON.stringify(span).replace(/"flags":\d+,/g, ''))).to.deep.equal(
            expected.result.resourceSpans[0]!.scopeSpans[0]!.spans[0],
          );
        }
        const [notFound] = manifest('jaeger').filter((f) => f.name === 'trace.not_found');
        const missing = await get(`${jaeger.url}/api/traces/${randomHex(16)}`);
        expect([missing.status, missing.type, missing.body]).to.deep.equal([
          404,
          notFound!.headers['content-type'],
          notFound!.body,
        ]);
        const v3Missing = await get(`${jaeger.url}/api/v3/traces/${randomHex(16)}`);
        expect([v3Missing.status, v3Missing.body]).to.deep.equal([
          404,
          manifest('jaeger').find((f) => f.name === 'v3_trace.not_found')!.body,
        ]);
      } finally {
        await jaeger.close();
      }
    });
  }

  it('tenancy: Loki and Tempo read X-Scope-OrgID (401 no org id), and ignore it when single-tenant', async () => {
    const run = aRun();
    for (const start of [startLoki, startTempo] as const) {
      const multi = await start({ multiTenant: true });
      const single = await start();
      try {
        const isLoki = start === startLoki;
        const ingest = (url: string, tenant?: string) =>
          isLoki
            ? post(`${url}/otlp/v1/logs`, logExport(run, PROTOBUF), PROTOBUF, tenant ? { 'X-Scope-OrgID': tenant } : {})
            : post(`${url}/v1/traces`, spanExport(run, PROTOBUF), PROTOBUF, tenant ? { 'X-Scope-OrgID': tenant } : {});
        const read = (url: string, tenant?: string) =>
          get(
            isLoki
              ? `${url}/loki/api/v1/query_range?${new URLSearchParams({ query: '{service_name="petsage-smoke"}', start: String(run.startNs - 1n), end: String(run.startNs + 1n) })}`
              : `${url}/api/traces/${run.traceId}`,
            tenant ? { 'X-Scope-OrgID': tenant } : {},
          );
        expect((await ingest(multi.url)).status, 'a write without a tenant').to.equal(isLoki ? 401 : 400);
        expect((await ingest(multi.url, 'team-a')).status).to.be.oneOf([200, 204]);
        const none = await read(multi.url);
        expect([none.status, none.type, none.body]).to.deep.equal([401, 'text/plain; charset=utf-8', 'no org id\n']);
        expect(none.res.headers.get('x-content-type-options')).to.equal('nosniff');
        expect((await read(multi.url, 'team-a')).body).to.include(isLoki ? run.traceId : 'smoke_test.run');
        expect((await read(multi.url, 'team-b')).body).to.not.include(isLoki ? run.traceId : 'smoke_test.run');
        await ingest(single.url, 'team-a');
        expect((await read(single.url)).body, 'one tenant when single-tenant').to.include(
          isLoki ? run.traceId : 'smoke_test.run',
        );
      } finally {
        await multi.close();
        await single.close();
      }
    }
  });

  it('tenancy: Jaeger reads x-tenant (or its configured header), not X-Scope-OrgID: 401 missing tenant header', async () => {
    const run = aRun();
    const jaeger = await startJaeger({ multiTenant: true });
    const custom = await startJaeger({ multiTenant: true, tenantHeader: 'x-org', tenants: ['acme'] });
    try {
      expect((await post(`${jaeger.url}/v1/traces`, spanExport(run, JSON_TYPE), JSON_TYPE)).status).to.equal(401);
      await post(`${jaeger.url}/v1/traces`, spanExport(run, JSON_TYPE), JSON_TYPE, { 'x-tenant': 'acme' });
      const scope = await get(`${jaeger.url}/api/traces/${run.traceId}`, { 'X-Scope-OrgID': 'acme' });
      expect([scope.status, scope.type, scope.body]).to.deep.equal([
        401,
        'text/plain; charset=utf-8',
        'missing tenant header',
      ]);
      expect((await get(`${jaeger.url}/api/traces/${run.traceId}`, { 'x-tenant': 'acme' })).status).to.equal(200);
      expect((await get(`${jaeger.url}/api/traces/${run.traceId}`, { 'x-tenant': 'other' })).status).to.equal(404);
      await post(`${custom.url}/v1/traces`, spanExport(run, JSON_TYPE), JSON_TYPE, { 'x-org': 'acme' });
      expect((await get(`${custom.url}/api/traces/${run.traceId}`, { 'x-org': 'acme' })).status).to.equal(200);
      expect((await get(`${custom.url}/api/traces/${run.traceId}`, { 'x-tenant': 'acme' })).body).to.equal(
        'missing tenant header',
      );
      expect((await get(`${custom.url}/api/traces/${run.traceId}`, { 'x-org': 'umbrella' })).body).to.equal(
        'unknown tenant',
      );
    } finally {
      await jaeger.close();
      await custom.close();
    }
  });

  it('keeps the fault switches: token, delay, drop, hung writes, read status, down and up, forget', async () => {
    const run = aRun();
    const tempo = await startTempo({ token: 't0k', delayMs: 300 });
    try {
      const auth = { authorization: 'Bearer t0k' };
      expect((await get(`${tempo.url}/api/traces/${run.traceId}`)).status).to.equal(401);
      await post(`${tempo.url}/v1/traces`, spanExport(run, PROTOBUF), PROTOBUF);
      expect((await get(`${tempo.url}/api/traces/${run.traceId}`, auth)).status, 'not visible yet').to.equal(404);
      await tempo.waitForStored((s) => s.traceId === run.traceId);
      await new Promise((r) => setTimeout(r, 350));
      expect((await get(`${tempo.url}/api/traces/${run.traceId}`, auth)).status).to.equal(200);
      tempo.behaviour.readStatus = 503;
      expect((await get(`${tempo.url}/api/traces/${run.traceId}`, auth)).status).to.equal(503);
      delete tempo.behaviour.readStatus;
      expect(tempo.forget((s) => s.traceId === run.traceId)).to.equal(1);
      expect((await get(`${tempo.url}/api/traces/${run.traceId}`, auth)).status).to.equal(404);
      tempo.behaviour.drop = true;
      await post(`${tempo.url}/v1/traces`, spanExport(run, PROTOBUF), PROTOBUF);
      expect(tempo.stored).to.have.length(0);
      tempo.behaviour.hangWrites = true;
      const hung = post(`${tempo.url}/v1/traces`, spanExport(run, PROTOBUF), PROTOBUF).then(
        () => 'answered',
        () => 'cut',
      );
      await tempo.down();
      expect(await hung).to.equal('cut');
      await tempo.up();
      expect((await get(`${tempo.url}/api/traces/${run.traceId}`, auth)).status).to.equal(404);
    } finally {
      await tempo.close();
    }
  });
});
