import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { metrics, resources } from '@opentelemetry/sdk-node';
import { connect, OPEN_CONNECTION } from '../../src/readers/connection';
import { processMatchers, prometheusReader, runsQuery } from '../../src/readers/prometheus';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { METRIC } from '../../src/vocabulary';
import { fakePorts, readOnce } from '../support/fakes';
import { FIXTURE_DIR, fixtureBody, manifest, type Fixture } from '../support/standins/fixtures';
import { foundVars, MIMIR, startMimir } from '../support/standins/mimir';
import { OTLP_METRICS_TYPES, OTLP_TYPES } from '../support/standins/otlp';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
type Encoding = typeof PROTOBUF | typeof JSON_TYPE;
const RUNS = 'petsage_smoke_runs';
const ATTRS = { trigger: 'api', outcome: 'success', pipeline: 'default', process_id: 'abc' };

/**
 * The run counter as the daemon's SDK makes it (a MeterProvider's counter, as src/telemetry/otlpMetrics.ts
 * makes it), one export per entry of `adds`, serialized as its OTLP exporter sends each.
 */
async function counterExports(
  o: { temporality: 'cumulative' | 'delta'; adds: number[]; encoding: Encoding; attributes?: Record<string, string> },
  resource: Record<string, string> = { 'service.name': 'petsage-smoke' },
): Promise<Uint8Array[]> {
  const exporter = new metrics.InMemoryMetricExporter(
    o.temporality === 'delta' ? metrics.AggregationTemporality.DELTA : metrics.AggregationTemporality.CUMULATIVE,
  );
  const reader = new metrics.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new metrics.MeterProvider({
    resource: resources.resourceFromAttributes(resource),
    readers: [reader],
  });
  const counter = provider.getMeter(RUNS).createCounter(RUNS);
  const serializer = o.encoding === PROTOBUF ? ProtobufMetricsSerializer : JsonMetricsSerializer;
  const bodies: Uint8Array[] = [];
  for (const n of o.adds) {
    // Each export at a millisecond of its own: the store keeps ms, and a spot check tells them apart.
    const last = Date.now();
    while (Date.now() <= last) await new Promise((r) => setImmediate(r));
    counter.add(n, o.attributes ?? ATTRS);
    await reader.forceFlush();
    bodies.push(serializer.serializeRequest(exporter.getMetrics().at(-1)!)!);
  }
  await provider.shutdown();
  return bodies;
}

const post = (url: string, body: Uint8Array, type: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/otlp/v1/metrics`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get('content-type'), res, body: await res.text() };
};
/** The daemon's instant query for process `abc` on pipeline `default`, at `timeMs` or now. */
const query = (url: string, o: { timeMs?: number; promql?: string } = {}, headers: Record<string, string> = {}) =>
  get(
    `${url}/prometheus/api/v1/query?${new URLSearchParams({
      query: o.promql ?? runsQuery(processMatchers('pipeline="default"', 'abc')),
      ...(o.timeMs === undefined ? {} : { time: (o.timeMs / 1000).toFixed(3) }),
    })}`,
    headers,
  );
const valueOf = (body: string) =>
  (JSON.parse(body) as { data: { result: { value: [number, string] }[] } }).data.result.map((r) => r.value[1]);
const fixtureOf = (name: string) => manifest(MIMIR).find((f) => f.name === name)!;
/** An answer exactly as a manifest fixture says: status, each header, body. */
function expectAnswer(
  answer: { status: number; res: Response; body: string },
  f: Fixture,
  vars: Record<string, string> = {},
): void {
  expect(answer.status, f.name).to.equal(f.status);
  for (const [k, v] of Object.entries(f.headers)) expect(answer.res.headers.get(k), `${f.name} ${k}`).to.equal(v);
  expect(answer.body, f.name).to.equal(fixtureBody(MIMIR, f, vars));
}

describe('Mimir stand-in answers as Mimir does (test/fixtures/upstream/mimir)', () => {
  it('every fixture names its source at a commit, and the README describes it', () => {
    const readme = readFileSync(path.join(FIXTURE_DIR, 'mimir', 'README.md'), 'utf8');
    for (const f of manifest(MIMIR)) {
      expect(f.source.commit, f.name).to.match(/^[0-9a-f]{40}$/);
      expect(f.source.repo, f.name).to.match(/^grafana\/(mimir|dskit)$/);
      expect(readme, f.name).to.include(`| \`${f.name}\` |`);
      expect(readme, f.name).to.include(f.source.commit);
    }
  });

  it('every query fixture is served with its status, headers and body (answerWith)', async () => {
    const mimir = await startMimir();
    const vars = foundVars(Date.now(), 3);
    for (const f of manifest(MIMIR).filter((x) => x.request.method === 'GET')) {
      mimir.answerWith(f.name, undefined, vars);
      const answer = await get(`${mimir.url}${f.request.path}`);
      expectAnswer(answer, f, vars);
      if (f.headers['content-type'] === JSON_TYPE) expect(() => JSON.parse(answer.body), f.name).to.not.throw();
    }
    mimir.answerNormally();
    expectAnswer(await query(mimir.url), fixtureOf('query.empty'));
  });

  it('the push fixtures: accepted in the request encoding, no org id, a DELTA Sum refused as Mimir refuses it', async () => {
    const mimir = await startMimir({ multiTenant: true, deltas: 'reject' });
    const tenant = { 'X-Scope-OrgID': 'team-a' };
    for (const [encoding, name] of [
      [PROTOBUF, 'otlp.accepted.protobuf'],
      [JSON_TYPE, 'otlp.accepted.json'],
    ] as const) {
      const [body] = await counterExports({ temporality: 'cumulative', adds: [1], encoding });
      const sent = await post(mimir.url, body!, encoding, tenant);
      expectAnswer({ status: sent.status, res: sent, body: await sent.text() }, fixtureOf(name));
    }
    const [cumulative] = await counterExports({ temporality: 'cumulative', adds: [1], encoding: PROTOBUF });
    const anonymous = await post(mimir.url, cumulative!, PROTOBUF);
    expectAnswer(
      { status: anonymous.status, res: anonymous, body: await anonymous.text() },
      fixtureOf('otlp.no_org_id'),
    );

    const stored = mimir.stored.length;
    const [delta] = await counterExports({ temporality: 'delta', adds: [1], encoding: JSON_TYPE });
    const refused = await post(mimir.url, delta!, JSON_TYPE, tenant);
    expectAnswer(
      { status: refused.status, res: refused, body: await refused.text() },
      fixtureOf('otlp.delta_rejected'),
    );
    expect(mimir.stored.length, 'nothing of the refused push is stored').to.equal(stored);
    const [deltaProto] = await counterExports({ temporality: 'delta', adds: [1], encoding: PROTOBUF });
    const refusedProto = await post(mimir.url, deltaProto!, PROTOBUF, tenant);
    expect([refusedProto.status, refusedProto.headers.get('content-type')]).to.deep.equal([400, PROTOBUF]);
    const status = OTLP_TYPES.status.toObject(
      OTLP_TYPES.status.decode(new Uint8Array(await refusedProto.arrayBuffer())),
    );
    expect(status).to.deep.equal(JSON.parse(fixtureOf('otlp.delta_rejected').body!));
  });

  for (const encoding of [PROTOBUF, JSON_TYPE] as const) {
    for (const temporality of ['cumulative', 'delta'] as const) {
      it(`${encoding}, ${temporality}: the counter stored as the series petsage_smoke_runs_total, read back by the daemon's queries`, async () => {
        const mimir = await startMimir();
        const bodies = await counterExports({ temporality, adds: [1, 2], encoding });
        for (const body of bodies) expect((await post(mimir.url, body, encoding)).status).to.equal(200);
        await mimir.waitForStored((s) => s.labels.process_id === 'abc', 2);
        expect(mimir.stored.map((s) => s.item.labels)).to.deep.equal(
          Array(2).fill({ ...ATTRS, job: 'petsage-smoke', __name__: `${RUNS}_total` }),
        );
        expect(mimir.stored.map((s) => [s.tenant, s.item.value, s.item.sent])).to.deep.equal([
          ['anonymous', 1, { temporality: temporality === 'delta' ? 1 : 2, value: 1 }],
          ['anonymous', 3, { temporality: temporality === 'delta' ? 1 : 2, value: temporality === 'delta' ? 2 : 3 }],
        ]);
        const [first, second] = mimir.stored.map((s) => s.item.tMs) as [number, number];

        const now = Date.now();
        expectAnswer(await query(mimir.url, { timeMs: now }), fixtureOf('query.found'), foundVars(now, 3));
        expect(valueOf((await query(mimir.url)).body), 'at no time: now').to.deep.equal(['3']);
        expect(valueOf((await query(mimir.url, { timeMs: first })).body), 'spot check: as it stood then').to.deep.equal(
          ['1'],
        );
        expectAnswer(await query(mimir.url, { timeMs: first - 1 }), fixtureOf('query.empty'));
        const restored = `max(sum without (trigger, outcome) (max_over_time(${METRIC.runs}{process_id="abc",pipeline="default"}[60s])))`;
        expect(valueOf((await query(mimir.url, { timeMs: second, promql: restored })).body)).to.deep.equal(['3']);
        expect(
          valueOf((await query(mimir.url, { timeMs: second + 59_999, promql: restored })).body),
          'the range holds the newest sample',
        ).to.deep.equal(['3']);
        expectAnswer(
          await query(mimir.url, { timeMs: second + 60_000 + 300_000, promql: restored }),
          fixtureOf('query.empty'),
        );
        expectAnswer(
          await query(mimir.url, { timeMs: second + 300_000 }),
          fixtureOf('query.empty'),
          // past the 5 m lookback the instant selector finds nothing
        );
      });
    }
  }

  it('sum without (trigger, outcome) adds the outcomes of one process; max keeps the highest target; other processes and pipelines are not counted', async () => {
    const mimir = await startMimir();
    const push = async (attributes: Record<string, string>, adds: number[], resource?: Record<string, string>) => {
      for (const body of await counterExports(
        { temporality: 'cumulative', adds, encoding: PROTOBUF, attributes },
        resource,
      ))
        expect((await post(mimir.url, body, PROTOBUF)).status).to.equal(200);
    };
    await push(ATTRS, [2]);
    await push({ ...ATTRS, outcome: 'failure' }, [1]);
    await push({ ...ATTRS, process_id: 'other' }, [40]);
    await push({ ...ATTRS, pipeline: 'team-a' }, [50]);
    // The same process reached under a second job (a second collector, say): counted once, not twice.
    await push(ATTRS, [2], {
      'service.name': 'petsage-smoke',
      'service.namespace': 'relay',
      'service.instance.id': 'x',
    });
    await mimir.waitForStored(() => true, 5);
    expect(mimir.stored.at(-1)!.item.labels).to.include({ job: 'relay/petsage-smoke', instance: 'x' });
    expect(valueOf((await query(mimir.url)).body)).to.deep.equal(['3']);
    const regex = runsQuery(processMatchers('pipeline=~"def.*",outcome!="failure"', 'abc'));
    expect(valueOf((await query(mimir.url, { promql: regex })).body)).to.deep.equal(['2']);
  });

  it('gzip bodies; any other query, content type or path answered as Mimir answers it', async () => {
    const mimir = await startMimir();
    const [body] = await counterExports({ temporality: 'cumulative', adds: [4], encoding: JSON_TYPE });
    expect((await post(mimir.url, gzipSync(body!), JSON_TYPE, { 'content-encoding': 'gzip' })).status).to.equal(200);
    expect(valueOf((await query(mimir.url)).body)).to.deep.equal(['4']);
    for (const promql of ['up', `sum(${METRIC.runs})`, 'max(sum without (trigger) (x{a="b"}) + 1)', ''])
      expectAnswer(await query(mimir.url, { promql }), fixtureOf('query.bad_data'));
    const badTime = await get(`${mimir.url}/prometheus/api/v1/query?query=up&time=yesterday`);
    expect([badTime.status, JSON.parse(badTime.body).errorType]).to.deep.equal([400, 'bad_data']);
    const wrongType = await post(mimir.url, body!, 'application/json; charset=utf-8');
    expect([wrongType.status, wrongType.headers.get('content-type')]).to.deep.equal([415, PROTOBUF]);
    const garbage = await post(mimir.url, Buffer.from('{'), JSON_TYPE);
    expect([garbage.status, garbage.headers.get('x-content-type-options')]).to.deep.equal([400, 'nosniff']);
    const unprefixed = await get(`${mimir.url}/api/v1/query?query=up`);
    expect([unprefixed.status, unprefixed.body]).to.deep.equal([404, '404 page not found\n']);
    expect(OTLP_METRICS_TYPES.response.encode({}).finish().length, 'an empty response is 0 bytes').to.equal(0);
  });

  it('tenancy: X-Scope-OrgID on pushes and queries (401 no org id); single-tenant, everything is "anonymous"', async () => {
    const multi = await startMimir({ multiTenant: true });
    const single = await startMimir();
    const [body] = await counterExports({ temporality: 'cumulative', adds: [1], encoding: PROTOBUF });
    expect((await post(multi.url, body!, PROTOBUF, { 'X-Scope-OrgID': 'team-a' })).status).to.equal(200);
    expectAnswer(await query(multi.url), fixtureOf('query.no_org_id'));
    expect(valueOf((await query(multi.url, {}, { 'X-Scope-OrgID': 'team-a' })).body)).to.deep.equal(['1']);
    expectAnswer(await query(multi.url, {}, { 'X-Scope-OrgID': 'team-b' }), fixtureOf('query.empty'));
    expect(multi.stored.map((s) => s.tenant)).to.deep.equal(['team-a']);

    expect((await post(single.url, body!, PROTOBUF, { 'X-Scope-OrgID': 'team-a' })).status).to.equal(200);
    expect(valueOf((await query(single.url, {}, { 'X-Scope-OrgID': 'team-b' })).body)).to.deep.equal(['1']);
    expect(single.stored.map((s) => s.tenant)).to.deep.equal(['anonymous']);
  });

  describe("the daemon's metric reader against every query fixture", () => {
    const run = createSmokeRunner(fakePorts().ports)('api', {});
    for (const f of manifest(MIMIR).filter((x) => x.expectedVerdict)) {
      const expected = `${f.expectedVerdict!.outcome}/${f.expectedVerdict!.reason}`;
      it(`${f.name} (${f.status}, ${f.case}) → ${expected}`, async () => {
        const mimir = await startMimir({ multiTenant: true });
        mimir.answerWith(f.name, undefined, foundVars(Date.now(), run.seq));
        const reader = prometheusReader({
          connection: connect(mimir.url, { ...OPEN_CONNECTION, tenant: 'team-a' }, 'verify.metrics'),
          pathPrefix: '/prometheus',
          matchers: 'pipeline="default"',
          processId: 'abc',
          now: Date.now,
        });
        let verdict: string;
        try {
          const hit = (await readOnce(reader, [run])).get(run.id);
          verdict =
            hit === undefined
              ? `missing/${reader.missingReason}`
              : hit === 'found'
                ? 'verified/none'
                : `error/${hit.reason}`;
        } catch (err) {
          verdict = `error/${(err as { reason?: string }).reason ?? String(err)}`;
        }
        expect(verdict).to.equal(expected);
        expect(mimir.requests[0]!.tenant, 'the tenant in X-Scope-OrgID').to.equal('team-a');
      });
    }
  });
});
