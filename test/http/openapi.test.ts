import type Router from '@koa/router';
import { expect } from 'chai';
import request from 'supertest';
import { testService } from '../support/app';
import { openApiRoutes, problems } from '../support/schema';

type Schema = Record<string, unknown>;
interface OpenApi {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
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
  const svc = testService();
  let doc: OpenApi;

  before(async () => {
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

  it('GET / links to the docs, the API description, metrics and health', async () => {
    const res = await request(svc.app.callback()).get('/').expect(200);
    expect(res.body.links).to.include({
      docs: '/docs',
      openapi: '/openapi.json',
      metrics: '/metrics',
      health: '/healthz',
    });
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
