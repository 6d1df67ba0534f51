import type Router from '@koa/router';
import { expect } from 'chai';
import request from 'supertest';
import { testService } from '../support/app';
import { METRIC } from '../../src/vocabulary';
import { openApiRoutes, problems } from '../support/schema';

type Schema = Record<string, unknown>;
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema & { enum?: string[] };
  style?: string;
  explode?: boolean;
}
interface Operation {
  summary?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema: Schema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: Schema }> }>;
}
interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}
const JSON_SCHEMA_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'];

/** What a reader of one operation cannot do without: the faults, one line each. */
function operationFaults(where: string, pathTemplate: string, op: Operation): string[] {
  const faults: string[] = [];
  if (!op.summary?.trim()) faults.push(`${where}: no summary`);
  const responses = Object.entries(op.responses ?? {});
  if (responses.length === 0) faults.push(`${where}: no responses`);
  for (const [status, response] of responses) {
    if (!response.description?.trim()) faults.push(`${where} ${status}: no description`);
    const media = Object.entries(response.content ?? {});
    if (media.length === 0) faults.push(`${where} ${status}: no media type`);
    for (const [type, { schema }] of media) {
      if (!/^[a-z]+\/[\w.+-]+$/.test(type)) faults.push(`${where} ${status}: media type "${type}"`);
      if (!schema || (!('$ref' in schema) && !JSON_SCHEMA_TYPES.includes(String(schema.type))))
        faults.push(`${where} ${status} ${type}: schema ${JSON.stringify(schema)}`);
    }
  }
  const parameters = op.parameters ?? [];
  for (const [, name] of pathTemplate.matchAll(/\{(\w+)\}/g)) {
    const declared = parameters.find((p) => p.name === name && p.in === 'path');
    if (declared?.required !== true) faults.push(`${where}: path parameter ${name} not declared, or not required`);
  }
  for (const p of parameters) {
    if (!['path', 'query'].includes(p.in) || (p.in === 'path' && !pathTemplate.includes(`{${p.name}}`)))
      faults.push(`${where}: parameter "${p.name}" in "${p.in}"`);
    if (!JSON_SCHEMA_TYPES.includes(String(p.schema?.type))) faults.push(`${where}: parameter ${p.name} has no type`);
  }
  return faults;
}

/** The routes the app really serves, from its routers. */
function servedRoutes(app: ReturnType<typeof testService>['app']): string[] {
  const routers = app.middleware.flatMap((m) => (m as { router?: Router }).router ?? []);
  expect(routers, 'router middleware').to.not.deep.equal([]);
  return routers
    .flatMap((router) => router.stack)
    .flatMap((layer) =>
      layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`),
    );
}

describe('OpenAPI description', () => {
  let svc: ReturnType<typeof testService>;
  let doc: OpenApi;

  // A service of its own per test: the document is built on its first request, and built again here
  // for each test, so each one is counted as covering the descriptions it checks (mutation testing).
  beforeEach(async () => {
    svc = testService();
    const res = await request(svc.app.callback())
      .get('/openapi.json')
      .expect(200)
      .expect('Content-Type', /application\/json/);
    doc = res.body as OpenApi;
  });

  it('is OpenAPI 3.1 and lists every served route (and nothing that is not served)', () => {
    expect(doc.openapi).to.equal('3.1.0');
    const documented = openApiRoutes(doc);
    const served = servedRoutes(svc.app);
    expect(
      served.filter((r) => !documented.includes(r)),
      'served but undocumented',
    ).to.deep.equal([]);
    expect(
      documented.filter((r) => !served.includes(r)),
      'documented but not served',
    ).to.deep.equal([]);
  });

  it('leaves out aliases that are turned off', async () => {
    const { app } = testService({ env: { PETSAGE_SMOKE_ROUTE_API_V1_HEALTH: 'false' } });
    const off = (await request(app.callback()).get('/openapi.json')).body as OpenApi;
    expect(off.paths).to.not.have.property('/api/v1/health');
    expect(off.paths).to.have.property('/system/healthz');
  });

  /** Every field of a real response must be described by the document's schema for it. */
  async function expectDescribed(method: 'get' | 'post', path: string, docPath = path, body?: object) {
    const call = request(svc.app.callback())[method](path);
    const res = body ? await call.send(body) : await call;
    const op = doc.paths[docPath]?.[method];
    expect(op, `${method} ${docPath} documented`).to.not.equal(undefined);
    const response = op!.responses[String(res.status)];
    expect(response, `${method} ${path} answered ${res.status}, which is not documented`).to.not.equal(undefined);
    const type = String(res.headers['content-type']).split(';')[0] as string;
    const schema = response!.content?.[type]?.schema;
    expect(schema, `${method} ${path}: ${res.status} ${type} has no schema`).to.not.equal(undefined);
    const value: unknown = type.endsWith('json') ? JSON.parse(res.text) : res.text;
    expect(problems(schema!, value, doc.components.schemas), `${method} ${path}`).to.deep.equal([]);
    return res;
  }

  it('describes every field of the real responses', async () => {
    await expectDescribed('get', '/');
    await expectDescribed('get', '/status');
    await expectDescribed('get', '/status/status.css', '/status/{asset}');
    await expectDescribed('get', '/status/nope.js', '/status/{asset}');
    const run = await expectDescribed('get', '/smoke-test');
    await expectDescribed('get', `/smoke-test/${String(run.body.run_id)}`, '/smoke-test/{id}');
    await expectDescribed('post', '/smoke-test', '/smoke-test', { id: 'openapi-1' });
    await expectDescribed('get', '/smoke-test/nope', '/smoke-test/{id}');
    await expectDescribed('get', '/livez');
    await expectDescribed('get', '/readyz');
    await expectDescribed('get', '/healthz');
    await expectDescribed('get', '/metrics');
    await expectDescribed('post', '/-/suspend');
    await expectDescribed('post', '/-/resume');
    for (const path of ['/system/healthz', '/v1/smoke_test/', '/api/v1/smoke-test', '/smoke-test/', '/api/v1/health'])
      await expectDescribed('get', path);
  });

  it('every operation has a summary, each answer a description, a media type and a schema, each path parameter a declaration, each reference a component', () => {
    const faults = Object.entries(doc.paths).flatMap(([pathTemplate, ops]) =>
      Object.entries(ops).flatMap(([method, op]) =>
        operationFaults(`${method.toUpperCase()} ${pathTemplate}`, pathTemplate, op),
      ),
    );
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.length, 'references').to.be.above(10);
    faults.push(
      ...refs.filter((name) => !doc.components.schemas[name]).map((name) => `$ref "${name}" names no component`),
    );
    expect(faults).to.deep.equal([]);
  });

  it("a path parameter's values are the ones served, with the media types documented for them, and no other", async () => {
    const enumerated = Object.entries(doc.paths).flatMap(([pathTemplate, ops]) =>
      (ops.get?.parameters ?? [])
        .filter((p) => p.in === 'path' && p.schema?.enum)
        .map((p) => ({ pathTemplate, name: p.name, values: p.schema!.enum!, op: ops.get! })),
    );
    expect(enumerated.map((e) => e.pathTemplate)).to.deep.equal(['/status/{asset}', '/docs/{asset}']);
    for (const { pathTemplate, name, values, op } of enumerated) {
      const served = new Set<string>();
      for (const value of values) {
        const res = await request(svc.app.callback()).get(pathTemplate.replace(`{${name}}`, value));
        expect(res.status, `${pathTemplate}: ${value}`).to.equal(200);
        served.add(String(res.headers['content-type']).split(';')[0]!);
      }
      expect([...served].sort(), `${pathTemplate}: media types`).to.deep.equal(
        Object.keys(op.responses['200']!.content!).sort(),
      );
      const unknown = await request(svc.app.callback()).get(pathTemplate.replace(`{${name}}`, 'nope.js'));
      expect(unknown.status, `${pathTemplate}: not one of them`).to.equal(404);
      expect(op.responses, pathTemplate).to.have.property('404');
    }
  });

  it('what a request may leave out is documented as optional: query parameters, and the body of POST /smoke-test', async () => {
    const required = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops).flatMap(([m, op]) =>
        (op.parameters ?? [])
          .filter((x) => x.in === 'query' && x.required !== false)
          .map((x) => `${m} ${p} ?${x.name}`),
      ),
    );
    expect(required, 'query parameters not marked optional').to.deep.equal([]);
    // Each route answers without them; the one body in the API may be left out as well.
    for (const path of ['/smoke-test', '/metrics']) await request(svc.app.callback()).get(path).expect(200);
    await request(svc.app.callback()).post('/smoke-test').expect(202);
    const post = doc.paths['/smoke-test']!.post!;
    expect(post.requestBody).to.deep.include({ required: false });
    expect(Object.keys(post.requestBody!.content!)).to.deep.equal(['application/json']);
    expect(post.requestBody!.content!['application/json']!.schema).to.deep.equal({
      $ref: '#/components/schemas/RunRequest',
    });
  });

  it('GET /metrics: ?name repeats (form, exploded), each value a metric name, as the route reads it', async () => {
    const [name] = doc.paths['/metrics']!.get!.parameters!;
    expect(name).to.deep.include({ name: 'name', in: 'query', style: 'form', explode: true });
    expect(name!.schema).to.deep.equal({
      type: 'array',
      items: { type: 'string', pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$' },
    });
    const res = await request(svc.app.callback())
      .get(`/metrics?name=${METRIC.runs}&name=${METRIC.runDuration}`)
      .expect(200);
    const families = [...res.text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(families.sort()).to.deep.equal([METRIC.runDuration, METRIC.runs]);
  });

  it('GET / names the service and links to every page a reader starts from, each one served', async () => {
    const res = await request(svc.app.callback()).get('/').expect(200);
    expect(res.body).to.deep.include({
      service: 'petsage-smoke',
      description: 'Smoke runs that prove logs, metrics and traces flow end to end, under one run id.',
    });
    expect(res.body.links).to.deep.equal({
      smoke_test: '/smoke-test',
      status: '/status',
      docs: '/docs',
      openapi: '/openapi.json',
      metrics: '/metrics',
      health: '/healthz',
      readiness: '/readyz',
      liveness: '/livez',
    });
    for (const link of Object.values(res.body.links as Record<string, string>))
      expect((await request(svc.app.callback()).get(link)).status, link).to.equal(200);
  });

  it('/docs is served by the daemon itself, with the UI assets it references', async () => {
    const page = await request(svc.app.callback())
      .get('/docs')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    const assets = [...page.text.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets).to.deep.equal(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/init.js']);
    const types = ['text/css; charset=utf-8', 'text/javascript; charset=utf-8', 'text/javascript; charset=utf-8'];
    for (const [i, asset] of assets.entries()) {
      for (const pass of ['read from the package', 'served again from memory']) {
        const res = await request(svc.app.callback()).get(asset).expect(200);
        expect([res.headers['content-type'], res.headers['cache-control']], `${asset}, ${pass}`).to.deep.equal([
          types[i],
          'public, max-age=86400',
        ]);
        expect(Number(res.headers['content-length'] ?? Buffer.byteLength(res.text)), asset).to.be.above(0);
      }
    }
    expect(page.text).to.not.match(/https?:\/\//); // no CDN
    const missing = await request(svc.app.callback()).get('/docs/constructor').expect(404);
    expect(missing.body.error.message).to.equal('no such docs asset');
  });
});

describe('OpenAPI description: the rate limit as documented', () => {
  it('a GET documents 429 exactly when it starts a run, and so answers 429 once the budget is spent', async () => {
    const svc = testService({
      env: {
        PETSAGE_SMOKE_RATE_LIMIT_MAX: '1',
        PETSAGE_SMOKE_INTERVAL: '0',
        PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '20ms',
      },
    });
    const app = svc.app.callback();
    const doc = (await request(app).get('/openapi.json').expect(200)).body as OpenApi;
    await request(app).get('/smoke-test').expect(200); // the budget's one run
    const documented: string[] = [];
    const limited: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      if (!operations.get || path.includes('{')) continue;
      if ('429' in operations.get.responses) documented.push(path);
      if ((await request(app).get(path)).status === 429) limited.push(path);
    }
    expect(limited).to.include.members(['/smoke-test', '/probe', '/v1/smoke_test/']);
    expect(documented).to.deep.equal(limited);
  });
});
