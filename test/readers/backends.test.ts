import { expect } from 'chai';
import { parser as logqlParser } from '@grafana/lezer-logql';
import { parser as traceqlParser } from '@grafana/lezer-traceql';
import type { BackendConnection } from '../../src/config/schema';
import { connect, type Connection } from '../../src/readers/connection';
import { HttpError } from '../../src/readers/httpClient';
import { lokiReader, runLogQuery } from '../../src/readers/loki';
import { prometheusReader, runsQuery } from '../../src/readers/prometheus';
import { jaegerStore, tempoStore, traceApiStore, traceByIdReader } from '../../src/readers/traceById';
import type { Store, StoreContext } from '../../src/readers/types';
import { loadConfig } from '../../src/config/load';
import { runSearchQuery, tempoSearchReader } from '../../src/readers/tempoSearch';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import type { SmokeRun } from '../../src/smoke/types';
import { ATTR_RUN_ID, ATTR_RUN_SEQ, METRIC, RUN_SPAN_NAME } from '../../src/vocabulary';
import { fakePorts, readOnce } from '../support/fakes';
import { scratchServer } from '../support/scratchServer';
import { startJaeger } from '../support/standins/jaeger';
import { startLoki } from '../support/standins/loki';
import { startTempo } from '../support/standins/tempo';

const runs = (n: number, id?: string) => {
  const run = createSmokeRunner(fakePorts().ports);
  return Array.from({ length: n }, (_, i) => run('api', id ? { id: `${id}-${i}` } : {}));
};
const conn = (over: Partial<BackendConnection> = {}): BackendConnection => ({
  tenant: '',
  tenantHeader: 'X-Scope-OrgID',
  auth: { token: '', tokenFile: '', username: '', password: '', passwordFile: '' },
  caFile: '',
  timeout: 2000,
  ...over,
});
const post = (url: string, path: string, body: unknown, tenant = '') =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(tenant ? { 'X-Scope-OrgID': tenant } : {}) },
    body: JSON.stringify(body),
  });
const attr = (key: string, v: string | number) => ({
  key,
  value: typeof v === 'number' ? { intValue: v } : { stringValue: v },
});

/** The run's span, as the daemon's OTLP/JSON exporter sends it. */
const spanRequest = (run: SmokeRun, attributes = [attr(ATTR_RUN_ID, run.id), attr(ATTR_RUN_SEQ, run.seq)]) => ({
  resourceSpans: [
    {
      resource: { attributes: [attr('service.name', 'petsage-smoke')] },
      scopeSpans: [
        {
          scope: { name: 'petsage-smoke' },
          spans: [
            {
              traceId: run.traceId,
              spanId: run.spanId,
              name: RUN_SPAN_NAME,
              startTimeUnixNano: `${run.startedAt.getTime()}000000`,
              endTimeUnixNano: `${run.startedAt.getTime()}000001`,
              attributes,
            },
          ],
        },
      ],
    },
  ],
});
/** The run's verification record, as the daemon's OTLP/JSON log exporter sends it. */
const logRequest = (run: SmokeRun) => ({
  resourceLogs: [
    {
      resource: { attributes: [attr('service.name', 'petsage-smoke')] },
      scopeLogs: [
        {
          scope: { name: 'petsage-smoke' },
          logRecords: [
            {
              timeUnixNano: `${run.startedAt.getTime()}000000`,
              body: { stringValue: 'PetSage smoke test endpoint executed successfully. Logging verified.' },
              attributes: [attr('run_id', run.id)],
              traceId: run.traceId,
              spanId: run.spanId,
            },
          ],
        },
      ],
    },
  ],
});

function grammarErrors(tree: { iterate(spec: { enter(node: { type: { isError: boolean } }): void }): void }): number {
  let errors = 0;
  tree.iterate({ enter: (n) => void (n.type.isError && (errors += 1)) });
  return errors;
}

describe('readers of the stores operators query (stand-ins)', () => {
  it("every LogQL and TraceQL string the daemon writes parses with Grafana's own grammars", () => {
    const ids = runs(3, 'deploy.7:a_b').map((r) => r);
    for (const match of ['metadata', 'line'] as const) {
      for (const selector of ['{service_name="petsage-smoke"}', '{job="smoke", namespace=~"obs|prod"}']) {
        const q = runLogQuery(
          selector,
          match,
          ids.map((r) => r.traceId),
        );
        expect(grammarErrors(logqlParser.parse(q)), q).to.equal(0);
      }
    }
    const tq = runSearchQuery(ids.map((r) => r.id));
    expect(tq).to.include('deploy\\\\.7:a_b-0');
    expect(grammarErrors(traceqlParser.parse(tq)), tq).to.equal(0);
    expect(grammarErrors(logqlParser.parse('{a="b" | broken')), 'the check can fail').to.be.above(0);
  });

  it('Loki: finds OTLP-ingested records by trace_id metadata, and shipped lines by text, per tenant', async () => {
    const loki = await startLoki({ multiTenant: true });
    try {
      const [a, b, c] = runs(3) as [SmokeRun, SmokeRun, SmokeRun];
      await post(loki.url, '/otlp/v1/logs', logRequest(a), 'team-a');
      await post(loki.url, '/otlp/v1/logs', logRequest(b), 'team-b');
      const line = JSON.stringify({ event: 'smoke_test.verification', trace_id: c.traceId, run_id: c.id });
      await post(
        loki.url,
        '/loki/api/v1/push',
        {
          streams: [{ stream: { service_name: 'petsage-smoke' }, values: [[`${c.startedAt.getTime()}000000`, line]] }],
        },
        'team-a',
      );
      const reader = (tenant: string, match: 'metadata' | 'line') =>
        lokiReader({
          connection: connect(loki.url, conn({ tenant }), 'verify.log.loki'),
          selector: '{service_name="petsage-smoke"}',
          match,
          now: Date.now,
        });
      expect([...(await readOnce(reader('team-a', 'metadata'), [a, b, c])).keys()]).to.deep.equal([a.id]);
      expect(
        [...(await readOnce(reader('team-b', 'metadata'), [a, b, c])).keys()],
        'another tenant sees its own',
      ).to.deep.equal([b.id]);
      expect([...(await readOnce(reader('team-a', 'line'), [a, b, c])).keys()]).to.deep.equal([c.id]);
      const noTenant = await readOnce(reader('', 'metadata'), [a]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(noTenant).to.be.instanceOf(HttpError).and.include({ reason: 'unauthorized', status: 401 });
    } finally {
      await loki.close();
    }
  });

  it('Tempo by id: found only with the run span and its attributes (base64 ids); incomplete without them; 404 waits; a spot check re-reads one run', async () => {
    let mangle = false;
    const tempo = await startTempo({
      mangle: (s) => (mangle ? { ...s, attributes: { ...s.attributes, [ATTR_RUN_ID]: 'someone-else' } } : s),
    });
    try {
      const [stored, missing] = runs(2) as [SmokeRun, SmokeRun];
      await post(tempo.url, '/v1/traces', spanRequest(stored));
      const reader = traceByIdReader({
        backend: 'tempo',
        connection: connect(tempo.url, conn(), 'verify.traces.tempo'),
      });
      expect(Object.fromEntries(await readOnce(reader, [stored, missing]))).to.deep.equal({ [stored.id]: 'found' });
      const recheck = (run: SmokeRun) => reader.recheck!(run, Date.now(), AbortSignal.timeout(5000));
      expect([await recheck(stored), await recheck(missing)], 'a spot check by id').to.deep.equal([true, false]);
      mangle = true;
      const hit = (await readOnce(reader, [stored])).get(stored.id);
      expect(hit).to.include({ reason: 'incomplete' });
      expect(reader.missingReason).to.equal('notfound_byid');
    } finally {
      await tempo.close();
    }
  });

  it('by id: at most four lookups open at once, and a failed one ends the read only once the others have', async () => {
    // A backend whose first lookup fails; the others wait until the test lets them answer 404.
    let open = 0;
    let calls = 0;
    const held: (() => void)[] = [];
    let allStarted!: () => void;
    const started = new Promise<void>((resolve) => (allStarted = resolve));
    const connection: Connection = {
      baseUrl: 'http://store',
      shown: 'http://store',
      async get() {
        calls += 1;
        open += 1;
        try {
          if (calls === 1) throw new HttpError('server_error', 'HTTP 500');
          await new Promise<void>((resolve) => {
            held.push(resolve);
            if (held.length === 3) allStarted();
          });
          return { status: 404, body: '' };
        } finally {
          open -= 1;
        }
      },
    };
    const reader = traceByIdReader({ backend: 'tempo', connection });
    let settled = false;
    const read = readOnce(reader, runs(40)).finally(() => (settled = true));
    await started;
    await new Promise(setImmediate);
    expect(settled, 'the read waits for the lookups still open').to.equal(false);
    for (const answer of held) answer();
    const err = await read.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(HttpError).and.include({ kind: 'server_error' });
    expect([calls, open], 'four lookups, none after the failure, none left open').to.deep.equal([4, 0]);
  });

  it('Tempo search: one TraceQL query finds a batch of runs by their run id attribute', async () => {
    const tempo = await startTempo();
    try {
      const batch = runs(5, 'gate.x');
      for (const run of batch.slice(0, 3)) await post(tempo.url, '/v1/traces', spanRequest(run));
      const reader = tempoSearchReader({
        connection: connect(tempo.url, conn(), 'verify.traces.tempo'),
        now: () => Date.now(),
      });
      expect([...(await readOnce(reader, batch)).keys()]).to.deep.equal(batch.slice(0, 3).map((r) => r.id));
      expect(tempo.requests.filter((r) => r.url.startsWith('/api/search'))).to.have.length(1);
      expect(reader.missingReason).to.equal('notfound_search');
    } finally {
      await tempo.close();
    }
  });

  it('Jaeger by id: its own answer format, hex ids; 404 with its error body waits', async () => {
    const jaeger = await startJaeger();
    try {
      const [stored, missing] = runs(2) as [SmokeRun, SmokeRun];
      await post(jaeger.url, '/v1/traces', spanRequest(stored));
      const reader = traceByIdReader({
        backend: 'jaeger',
        connection: connect(jaeger.url, conn(), 'verify.traces.jaeger'),
      });
      expect(Object.fromEntries(await readOnce(reader, [stored, missing]))).to.deep.equal({ [stored.id]: 'found' });
    } finally {
      await jaeger.close();
    }
  });

  it('Prometheus-compatible: path prefix, tenant, bearer or basic auth; each way a query fails has its reason', async () => {
    let answer: { status: number; body: string } | 'hang' = {
      status: 200,
      body: JSON.stringify({ status: 'success', data: { result: [{ value: [1, '2'] }] } }),
    };
    const server = await scratchServer((_req, res) =>
      answer === 'hang' ? undefined : res.writeHead(answer.status).end(answer.body),
    );
    try {
      const batch = runs(3);
      const reader = (over: Partial<BackendConnection> = {}) =>
        prometheusReader({
          connection: connect(server.url, conn(over), 'verify.metrics'),
          pathPrefix: '/prometheus',
          matchers: 'job="smoke"',
          processId: 'abc',
          now: Date.now,
        });
      expect(
        (
          await readOnce(
            reader({
              tenant: 'team-a',
              auth: { token: 's3cret-token', tokenFile: '', username: '', password: '', passwordFile: '' },
            }),
            batch,
          )
        ).size,
      ).to.equal(2);
      const first = server.requests[0]!;
      expect(new URL(first.url!, server.url).pathname).to.equal('/prometheus/api/v1/query');
      expect(new URL(first.url!, server.url).searchParams.get('query'))
        .to.equal(runsQuery('process_id="abc",job="smoke"'))
        .and.to.equal(`max(sum without (trigger, outcome) (${METRIC.runs}{process_id="abc",job="smoke"}))`);
      expect([first.headers['x-scope-orgid'], first.headers.authorization]).to.deep.equal([
        'team-a',
        'Bearer s3cret-token',
      ]);
      await readOnce(
        reader({ auth: { token: '', tokenFile: '', username: 'smoke', password: 'pw', passwordFile: '' } }),
        batch,
      );
      expect(server.requests[1]!.headers.authorization).to.equal(`Basic ${Buffer.from('smoke:pw').toString('base64')}`);

      const reasonOf = (a: typeof answer, timeout = 2000) => {
        answer = a;
        return readOnce(reader({ timeout }), batch).then(
          () => 'none',
          (e: HttpError) => e.reason,
        );
      };
      expect(await reasonOf({ status: 401, body: 'no' })).to.equal('unauthorized');
      expect(await reasonOf({ status: 403, body: 'no' })).to.equal('unauthorized');
      expect(await reasonOf({ status: 404, body: 'no such path' })).to.equal('endpoint_not_found');
      expect(await reasonOf({ status: 503, body: 'down' })).to.equal('server_error');
      expect(await reasonOf({ status: 200, body: '<html>' })).to.equal('bad_response');
      expect(await reasonOf({ status: 200, body: '{"status":"error"}' })).to.equal('bad_response');
      expect(await reasonOf('hang', 100)).to.equal('query_timeout');
    } finally {
      await server.close();
    }
    const down = await readOnce(
      prometheusReader({
        connection: connect('http://127.0.0.1:9', conn(), 'verify.metrics'),
        pathPrefix: '',
        matchers: 'a="b"',
        processId: 'abc',
        now: Date.now,
      }),
      runs(1),
    ).then(
      () => 'none',
      (e: HttpError) => e.reason,
    );
    expect(down).to.equal('unreachable');
  });
});

describe('trace stores by id: which readers a config makes, and each lookup once', () => {
  const readersOf = (store: Store, env: Record<string, string>) =>
    store
      .readers(loadConfig({ env }).verify, { now: () => Date.now() } as StoreContext)
      .map((r) => [r.backend, r.asked, r.missingReason]);

  it('Tempo (with search or not), Jaeger (UI API or v3) and a generic query URL, each named with what it asks', () => {
    const tempo = 'http://127.0.0.1:3200';
    expect(readersOf(tempoStore, {})).to.deep.equal([]);
    expect(
      readersOf(tempoStore, { PETSAGE_SMOKE_TEMPO_URL: tempo, PETSAGE_SMOKE_TEMPO_SEARCH: 'false' }),
    ).to.deep.equal([['tempo', `${tempo}/api/traces/<trace id>`, 'notfound_byid']]);
    expect(
      readersOf(tempoStore, { PETSAGE_SMOKE_TEMPO_URL: tempo, PETSAGE_SMOKE_TEMPO_SEARCH: 'true' }).map(([b, , m]) => [
        b,
        m,
      ]),
    ).to.deep.equal([
      ['tempo', 'notfound_byid'],
      ['tempo', 'notfound_search'],
    ]);
    const jaeger = 'http://127.0.0.1:16686';
    expect(readersOf(jaegerStore, {})).to.deep.equal([]);
    expect(readersOf(jaegerStore, { PETSAGE_SMOKE_JAEGER_URL: jaeger, PETSAGE_SMOKE_JAEGER_API: 'v3' })).to.deep.equal([
      ['jaeger', `${jaeger}/api/v3/traces/<trace id>`, 'notfound_byid'],
    ]);
    expect(readersOf(traceApiStore, {})).to.deep.equal([]);
    expect(readersOf(traceApiStore, { PETSAGE_SMOKE_TRACES_QUERY_URL: tempo })).to.deep.equal([
      ['trace_api', `${tempo}/api/traces/<trace id>`, 'not_found'],
    ]);
  });

  it('every waiting run is looked up exactly once', async () => {
    const asked: string[] = [];
    const connection: Connection = {
      baseUrl: 'http://store',
      shown: 'http://store',
      async get(path) {
        asked.push(path);
        await new Promise(setImmediate);
        return { status: 404, body: '' };
      },
    };
    const waiting = runs(10);
    await readOnce(traceByIdReader({ backend: 'tempo', connection }), waiting);
    expect([...asked].sort()).to.deep.equal(waiting.map((r) => `/api/traces/${r.traceId}`).sort());
  });
});
