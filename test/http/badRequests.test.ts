import { expect } from 'chai';
import request from 'supertest';
import { testService } from '../support/app';

describe('bad requests', () => {
  it('unknown route: 404 JSON', async () => {
    const { app } = testService();
    const res = await request(app.callback())
      .get('/no/such/route')
      .expect(404)
      .expect('Content-Type', /application\/json/);
    expect(res.body.error).to.include({ status: 404, code: 'not_found' });
  });

  it('wrong method on a known route: 405 JSON with Allow', async () => {
    const { app } = testService();
    for (const method of ['put', 'delete', 'patch'] as const) {
      const res = await request(app.callback())[method]('/smoke-test').expect(405);
      expect(res.headers.allow).to.equal('HEAD, GET, POST');
      expect(res.body.error).to.include({ status: 405, code: 'method_not_allowed' });
    }
    const res = await request(app.callback()).post('/api/v1/smoke-test').expect(405);
    expect(res.headers.allow).to.equal('HEAD, GET');
  });

  it('/metrics?name= takes metric names only: 400 JSON otherwise; a known name gets its family', async () => {
    const { app } = testService();
    for (const name of ['1abc', 'a b', 'a{b="c"}', '']) {
      const res = await request(app.callback())
        .get('/metrics')
        .query({ name })
        .expect(400)
        .expect('Content-Type', /application\/json/);
      expect(res.body.error).to.deep.include({
        status: 400,
        message: '"name" must be a metric name: letters, digits, _ and : (not starting with a digit)',
      });
    }
    // One bad name among good ones is enough to refuse.
    await request(app.callback()).get('/metrics?name=petsage_smoke_runs_total&name=1abc').expect(400);
    const res = await request(app.callback())
      .get('/metrics?name=petsage_smoke_runs_total&name=nodejs_no_such')
      .expect(200);
    expect(res.text.split('\n').filter((l) => l.startsWith('# TYPE'))).to.deep.equal([
      '# TYPE petsage_smoke_runs_total counter',
    ]);
  });

  it('methods the router does not know get a 4xx, never a 5xx', async () => {
    const { app } = testService();
    for (const method of ['PROPFIND', 'PURGE', 'TRACE']) {
      const res = await request(app.callback()).options('/smoke-test').set('X-HTTP-Method-Override', method);
      expect(res.status).to.equal(405); // OPTIONS is not served: the route's methods are named
      expect(res.headers.allow).to.equal('HEAD, GET, POST');
      const custom = await request(app.callback())
        .get('/smoke-test')
        .use((req) => {
          req.method = method;
        });
      expect(custom.status, method).to.equal(405);
    }
  });

  it('malformed paths and hostile headers answer 4xx and never reach a log line or a label', async () => {
    const { app, lines, registry } = testService();
    // Ours only: the process metrics (on by default) come and go with the runtime's own state.
    const seriesCount = async () =>
      (await registry.getMetricsAsJSON())
        .filter((m) => m.name.startsWith('petsage_smoke_'))
        .reduce((n, m) => n + (m as { values: unknown[] }).values.length, 0);
    // Sent as written: a broken escape, NUL, traversal, a long path, CR/LF and an ANSI escape.
    const hostile = (n: number) => [
      `/%E0%A4%A${n}`,
      `/smoke-test/%00${n}`,
      `/../../etc/passwd${n}`,
      `/..%2f..%2fetc%2fpasswd${n}`,
      `/${'a'.repeat(4000 + n)}`,
      `/%0d%0aINJECTED${n}`,
      `/%1B%5B31mINJECTED${n}`,
    ];
    const send = async (n: number) => {
      for (const path of hostile(n)) {
        const res = await request(app.callback())
          .get(path)
          .set('X-Injected', `x\ty\u00ff INJECTED ${n}`)
          .set('User-Agent', `INJECTED-UA-${n}`);
        expect(res.status, path).to.be.within(400, 499);
        expect(res.body.error.status).to.equal(res.status);
      }
    };
    await send(0);
    const series = await seriesCount();
    for (let n = 1; n <= 5; n += 1) await send(n);
    expect(await seriesCount(), 'metric series after more hostile input').to.equal(series);

    await request(app.callback())
      .get('/smoke-test?id=%0d%0aINJECTED&x=INJECTED')
      .set('User-Agent', 'INJECTED-UA')
      .expect(200);
    expect(lines).to.have.length(1);
    for (const line of lines) {
      expect(() => JSON.parse(line)).to.not.throw();
      expect(line).to.not.include('INJECTED');
    }
  });
});
