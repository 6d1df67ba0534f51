import { expect } from 'chai';
import request from 'supertest';
import { testService } from '../support/app';

describe('bad requests', () => {
  it('unknown route: 404 JSON', async () => {
    const { app } = testService();
    const res = await request(app.callback()).get('/no/such/route').expect(404).expect('Content-Type', /application\/json/);
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

  it('methods the router does not know get a 4xx, never a 5xx', async () => {
    const { app } = testService();
    for (const method of ['PROPFIND', 'PURGE', 'TRACE']) {
      const res = await request(app.callback()).options('/smoke-test').set('X-HTTP-Method-Override', method);
      expect(res.status).to.be.within(200, 499);
      const custom = await request(app.callback())
        .get('/smoke-test')
        .use((req) => {
          req.method = method;
        });
      expect(custom.status, method).to.be.within(400, 499);
    }
  });

  it('malformed paths and hostile headers answer 4xx and never reach a log line', async () => {
    const { app, lines, metrics } = testService();
    const seriesBefore = (await metrics.registry.getMetricsAsJSON()).map((m) => (m as { values: unknown[] }).values.length);
    // Sent as written: a broken escape, NUL, traversal, a long path, CR/LF and an ANSI escape.
    const hostile = ['/%E0%A4%A', '/smoke-test/%00', '/../../etc/passwd', '/..%2f..%2fetc%2fpasswd', `/${'a'.repeat(4000)}`, '/%0d%0aINJECTED', '/%1B%5B31mINJECTED'];
    for (const path of hostile) {
      const res = await request(app.callback()).get(path).set('X-Injected', 'x\ty\u00ff INJECTED').set('User-Agent', 'INJECTED-UA');
      expect(res.status, path).to.be.within(400, 499);
      expect(res.body.error.status).to.equal(res.status);
    }
    await request(app.callback()).get('/smoke-test?id=%0d%0aINJECTED&x=INJECTED').set('User-Agent', 'INJECTED-UA').expect(200);
    expect(lines).to.have.length(1);
    for (const line of lines) {
      expect(() => JSON.parse(line)).to.not.throw();
      expect(line).to.not.include('INJECTED');
    }
    const seriesAfter = (await metrics.registry.getMetricsAsJSON()).map((m) => (m as { values: unknown[] }).values.length);
    expect(seriesAfter).to.deep.equal(seriesBefore);
  });
});
