import { expect } from 'chai';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config/load';
import { VERIFICATION_EVENT } from '../../src/vocabulary';
import { testService } from '../support/app';

const TOKEN = 'a-test-token-of-32-characters-xx';
const verificationLines = (lines: string[]) => lines.map((l) => JSON.parse(l) as { event?: string }).filter((l) => l.event === VERIFICATION_EVENT);

describe('access: bearer token', () => {
  const guarded = [
    { method: 'get', path: '/metrics' },
    { method: 'post', path: '/smoke-test' },
    { method: 'post', path: '/-/suspend' },
    { method: 'post', path: '/-/resume' },
  ] as const;

  for (const { method, path } of guarded) {
    it(`${method.toUpperCase()} ${path}: 401 JSON without the token or with a wrong one, served with it`, async () => {
      const { app } = testService({ env: { PETSAGE_SMOKE_AUTH_TOKEN: TOKEN } });
      for (const auth of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`]) {
        const req = request(app.callback())[method](path);
        const res = await (auth ? req.set('Authorization', auth) : req);
        expect(res.status, String(auth)).to.equal(401);
        expect(res.headers['www-authenticate']).to.equal('Bearer realm="petsage-smoke"');
        expect(res.body.error).to.include({ status: 401, code: 'unauthorized' });
      }
      const ok = await request(app.callback())[method](path).set('Authorization', `Bearer ${TOKEN}`);
      expect(ok.status).to.be.within(200, 299);
    });
  }

  it('a refused POST starts no run; GET /smoke-test and the probes stay open', async () => {
    const { app, lines } = testService({ env: { PETSAGE_SMOKE_AUTH_TOKEN: TOKEN } });
    await request(app.callback()).post('/smoke-test').send({ id: 'refused' }).expect(401);
    expect(verificationLines(lines)).to.have.length(0);
    for (const path of ['/smoke-test', '/livez', '/readyz', '/healthz']) await request(app.callback()).get(path).expect(200);
    expect(verificationLines(lines)).to.have.length(1);
  });

  it('no token configured: everything is open', async () => {
    const { app } = testService();
    await request(app.callback()).get('/metrics').expect(200);
    await request(app.callback()).post('/smoke-test').send({}).expect(202);
  });

  it('a short token is a config error that does not echo the secret', () => {
    const secret = 'short-secret';
    expect(() => loadConfig({ env: { PETSAGE_SMOKE_AUTH_TOKEN: secret } }))
      .to.throw(ConfigError, /auth\.token = \(hidden\) \(from PETSAGE_SMOKE_AUTH_TOKEN\): expected a token of at least 16 characters/)
      .and.satisfy((e: Error) => !e.message.includes(secret));
  });
});

describe('access: rate limit on run-triggering routes', () => {
  it('rateLimit.max runs per client per window, then 429 JSON with Retry-After; no line is written for refused runs', async () => {
    const { app, lines } = testService({ env: { PETSAGE_SMOKE_RATE_LIMIT_MAX: '3', PETSAGE_SMOKE_RATE_LIMIT_WINDOW: '1m' } });
    for (let i = 0; i < 3; i += 1) await request(app.callback()).get('/smoke-test').expect(200);
    for (const req of [request(app.callback()).get('/smoke-test'), request(app.callback()).get('/api/v1/smoke-test'), request(app.callback()).post('/smoke-test').send({})]) {
      const res = await req;
      expect(res.status).to.equal(429);
      expect(Number(res.headers['retry-after'])).to.be.within(0, 60);
      expect(res.headers['x-ratelimit-limit']).to.equal('3');
      expect(res.body.error).to.include({ status: 429, code: 'too_many_requests' });
    }
    expect(verificationLines(lines)).to.have.length(3);
    // Not a run: receipts, probes and metrics are not limited.
    for (const path of ['/healthz', '/metrics', '/livez']) await request(app.callback()).get(path).expect(200);
  });
});

describe('security headers', () => {
  it('every answer (200, 404, 405, docs) carries them; smoke answers are never cached', async () => {
    const { app } = testService();
    for (const [path, status] of [['/smoke-test', 200], ['/nope', 404], ['/docs', 200], ['/metrics', 200]] as const) {
      const res = await request(app.callback()).get(path).expect(status);
      expect(res.headers, path).to.include({
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      });
      expect(res.headers['content-security-policy'], path).to.include("frame-ancestors 'none'");
    }
  });
});
