import { expect } from 'chai';
import type Koa from 'koa';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config/load';
import {
  ClientBudgets,
  SECURITY_HEADERS,
  adminOnly,
  allowHosts,
  clientIp,
  clientKey,
  hostName,
  requireToken,
  sameSiteJson,
  tokenCheck,
} from '../../src/http/access';
import { STATUS_CSP } from '../../src/http/routes/status';
import { VERIFICATION_EVENT } from '../../src/vocabulary';
import { testService } from '../support/app';
import { koaContext } from '../support/koaContext';
import { tmpDir } from '../support/tmp';

const TOKEN = 'a-test-token-of-32-characters-xx';
const verificationLines = (lines: string[]) =>
  lines.map((l) => JSON.parse(l) as { event?: string }).filter((l) => l.event === VERIFICATION_EVENT);

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
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        const ok = await request(app.callback())[method](path).set('Authorization', `${scheme} ${TOKEN}`);
        expect(ok.status, scheme).to.equal(method === 'post' && path === '/smoke-test' ? 202 : 200);
      }
    });
  }

  it('auth.requireForRuns: the token guards GET /smoke-test and its aliases too; probes and receipts stay open', async () => {
    const { app, lines } = testService({
      env: { PETSAGE_SMOKE_AUTH_TOKEN: TOKEN, PETSAGE_SMOKE_AUTH_REQUIRE_FOR_RUNS: 'true' },
    });
    for (const path of ['/smoke-test', '/api/v1/smoke-test', '/v1/smoke_test/', '/smoke-test/'])
      await request(app.callback()).get(path).expect(401);
    expect(verificationLines(lines)).to.have.length(0);
    const run = await request(app.callback()).get('/smoke-test').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    await request(app.callback()).get(`/smoke-test/${run.body.run_id}`).expect(200);
    for (const path of ['/livez', '/readyz', '/healthz', '/system/healthz'])
      await request(app.callback()).get(path).expect(200);
    expect(() => loadConfig({ env: { PETSAGE_SMOKE_AUTH_REQUIRE_FOR_RUNS: 'true' } })).to.throw(
      ConfigError,
      /auth\.requireForRuns = "true" .*there is no token to require/,
    );
  });

  it('a refused POST starts no run; GET /smoke-test and the probes stay open', async () => {
    const { app, lines } = testService({ env: { PETSAGE_SMOKE_AUTH_TOKEN: TOKEN } });
    await request(app.callback()).post('/smoke-test').send({ id: 'refused' }).expect(401);
    expect(verificationLines(lines)).to.have.length(0);
    for (const path of ['/smoke-test', '/livez', '/readyz', '/healthz'])
      await request(app.callback()).get(path).expect(200);
    expect(verificationLines(lines)).to.have.length(1);
  });

  it('no token configured: everything is open', async () => {
    const { app } = testService();
    await request(app.callback()).get('/metrics').expect(200);
    await request(app.callback()).post('/smoke-test').send({}).expect(202);
  });

  it('a token in the wrong place of a config file (auth: <token>) is not echoed either', async () => {
    const { writeFileSync } = await import('node:fs');
    const file = `${tmpDir('petsage-config-')}/c.yaml`;
    writeFileSync(file, `auth: ${TOKEN}\n`);
    expect(() => loadConfig({ env: {}, file }))
      .to.throw(ConfigError, /^config error: auth = \(hidden\)/)
      .and.satisfy((e: Error) => !e.message.includes(TOKEN));
  });

  it('a short token is a config error that does not echo the secret', () => {
    const secret = 'short-secret';
    expect(() => loadConfig({ env: { PETSAGE_SMOKE_AUTH_TOKEN: secret } }))
      .to.throw(
        ConfigError,
        /auth\.token = \(hidden\) \(from PETSAGE_SMOKE_AUTH_TOKEN\): expected a token of at least 16 characters/,
      )
      .and.satisfy((e: Error) => !e.message.includes(secret));
  });
});

describe('access: rate limit on run-triggering routes', () => {
  it('rateLimit.max runs per client per window, then 429 JSON with Retry-After; no line is written for refused runs', async () => {
    const { app, lines } = testService({
      env: { PETSAGE_SMOKE_RATE_LIMIT_MAX: '3', PETSAGE_SMOKE_RATE_LIMIT_WINDOW: '1m' },
    });
    for (let i = 0; i < 3; i += 1) await request(app.callback()).get('/smoke-test').expect(200);
    for (const req of [
      request(app.callback()).get('/smoke-test'),
      request(app.callback()).get('/api/v1/smoke-test'),
      request(app.callback()).post('/smoke-test').send({}),
    ]) {
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

describe('access: who a client is, for the limit', () => {
  it('an IPv4-mapped address is its IPv4 address; an IPv6 address is its /64', () => {
    expect(clientKey('::ffff:127.0.0.1')).to.equal('127.0.0.1');
    expect(clientKey('10.1.2.3')).to.equal('10.1.2.3');
    const same = [
      '2001:db8:a:b::1',
      '2001:db8:a:b:ffff:ffff:ffff:ffff',
      '2001:0db8:000a:000b:0:0:0:7',
      '2001:DB8:A:B::9%eth0',
    ];
    expect(new Set(same.map(clientKey))).to.deep.equal(new Set(['2001:db8:a:b::/64']));
    expect(clientKey('2001:db8:a:c::1')).to.equal('2001:db8:a:c::/64');
    expect(clientKey('::1')).to.equal('0:0:0:0::/64');
    expect(clientKey('fe80::1')).to.equal('fe80:0:0:0::/64');
  });

  it('the budgets map is bounded; when full, expired budgets go first and a live one only after them', () => {
    let now = 1000;
    const budgets = new ClientBudgets<{ reset: number }>(3, () => now);
    budgets.set('limited', { reset: 1060 });
    budgets.set('a', { reset: 1001 });
    budgets.set('b', { reset: 1002 });
    now = 1010; // a and b have expired, the limited client has not
    budgets.set('c', { reset: 1070 });
    budgets.set('d', { reset: 1070 });
    expect([...budgets.keys()]).to.deep.equal(['limited', 'c', 'd']);
    budgets.set('e', { reset: 1070 }); // full and nothing expired: the oldest live one goes
    expect([...budgets.keys()]).to.deep.equal(['c', 'd', 'e']);
    budgets.set('c', { reset: 1080 }); // a renewed budget moves to the end
    expect([...budgets.keys()]).to.deep.equal(['d', 'e', 'c']);
  });

  it('rateLimit.max 0 turns the limit off; behind server.trustProxyHops proxies each forwarded client has its own budget', async () => {
    const off = testService({ env: { PETSAGE_SMOKE_RATE_LIMIT_MAX: '0' } });
    const unlimited = await request(off.app.callback()).get('/smoke-test').expect(200);
    expect(unlimited.headers).not.to.have.property('x-ratelimit-limit');

    const budgets = async (hops: string) => {
      const { app } = testService({ env: { PETSAGE_SMOKE_RATE_LIMIT_MAX: '1', PETSAGE_SMOKE_TRUST_PROXY_HOPS: hops } });
      const statuses: number[] = [];
      for (const client of ['198.51.100.1', '198.51.100.2'])
        statuses.push((await request(app.callback()).get('/smoke-test').set('X-Forwarded-For', client)).status);
      return statuses;
    };
    expect(await budgets('1')).to.deep.equal([200, 200]);
    expect(await budgets('0'), 'the header is not trusted: one client').to.deep.equal([200, 429]);
  });

  it('the default limit is on: 60 runs a minute per client, then 429', async () => {
    const { app } = testService();
    for (let i = 0; i < 60; i += 1) await request(app.callback()).get('/smoke-test').expect(200);
    await request(app.callback()).get('/smoke-test').expect(429);
  });
});

describe('access: cross-site and host checks on POST', () => {
  it('a POST with a form or text body is 415, a foreign Origin 403; JSON, no body, or our own Origin pass', async () => {
    const { app, scheduler, lines } = testService({ env: { PETSAGE_SMOKE_INTERVAL: '1h' } });
    try {
      for (const path of ['/smoke-test', '/-/suspend']) {
        await request(app.callback()).post(path).set('Content-Type', 'text/plain').send('{"wait":false}').expect(415);
        await request(app.callback()).post(path).type('form').send({ id: 'x' }).expect(415);
        const foreign = await request(app.callback())
          .post(path)
          .set('Origin', 'https://evil.example')
          .send({})
          .expect(403);
        expect(foreign.body.error.code).to.equal('forbidden');
      }
      expect(scheduler.state).to.equal('running');
      expect(verificationLines(lines)).to.have.length(0);
      await request(app.callback()).post('/-/suspend').expect(200, { schedule: 'suspended' });
      const own = await request(app.callback())
        .post('/smoke-test')
        .set('Host', 'smoke.local:8080')
        .set('Origin', 'http://smoke.local:8080')
        .send({});
      expect(own.status).to.equal(202);
    } finally {
      scheduler.stop();
    }
  });

  it('server.allowedHosts: another Host is refused with 421 before any route runs', async () => {
    const { app, lines } = testService({ env: { PETSAGE_SMOKE_ALLOWED_HOSTS: 'smoke.local, 127.0.0.1' } });
    const res = await request(app.callback()).get('/smoke-test').set('Host', 'rebound.example').expect(421);
    expect(res.body.error.code).to.equal('misdirected_request');
    expect(verificationLines(lines)).to.have.length(0);
    await request(app.callback()).get('/smoke-test').set('Host', 'smoke.local:8080').expect(200);
  });
});

describe('security headers', () => {
  it('every answer (200, 404, 405, docs) carries them; smoke answers are never cached', async () => {
    const { app } = testService();
    for (const [path, status] of [
      ['/smoke-test', 200],
      ['/nope', 404],
      ['/docs', 200],
      ['/metrics', 200],
    ] as const) {
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

describe('access: security headers', () => {
  it('every answer carries them: a run, a probe, a receipt, metrics, a 404 and a 4xx error; the status page a stricter CSP', async () => {
    const app = testService().app.callback();
    const answers = await Promise.all([
      request(app).get('/smoke-test').expect(200),
      request(app).get('/healthz'),
      request(app).get('/smoke-test/unknown-run').expect(404),
      request(app).get('/metrics').expect(200),
      request(app).get('/no-such-route').expect(404),
      request(app).post('/smoke-test').set('Content-Type', 'text/plain').send('x').expect(415),
    ]);
    for (const [i, res] of answers.entries()) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS))
        expect(res.headers[name.toLowerCase()], `answer ${i}: ${name}`).to.equal(value);
    }
    expect(SECURITY_HEADERS['Cross-Origin-Resource-Policy']).to.equal('same-origin');
    expect(SECURITY_HEADERS['Content-Security-Policy']).to.include("frame-ancestors 'none'");
    const status = await request(app).get('/status').expect(200);
    expect(status.headers['content-security-policy']).to.equal(STATUS_CSP);
    expect(status.headers['x-frame-options']).to.equal('DENY');
  });
});

/** What a middleware did with a request: passed it on, or threw status and message. */
async function outcome(middleware: Koa.Middleware, headers: Record<string, string>): Promise<string> {
  try {
    let passed = false;
    await middleware(koaContext({ method: 'POST', headers }), () => Promise.resolve(void (passed = true)));
    return passed ? 'next' : 'stopped';
  } catch (err) {
    const e = err as { status: number; message: string };
    return `${e.status} ${e.message}`;
  }
}

describe('access: the checks one by one', () => {
  it('the token: "Bearer" in any case, one or more spaces, the whole header and nothing after the token', () => {
    const has = tokenCheck(TOKEN);
    const check = (authorization: string) => has(koaContext({ headers: { Authorization: authorization } }));
    expect([`Bearer ${TOKEN}`, `bearer   ${TOKEN}`, `Bearer ${TOKEN}  `].map(check)).to.deep.equal([true, true, true]);
    expect(
      [`XBearer ${TOKEN}`, `Bearer ${TOKEN} extra`, `Bearer${TOKEN}`, `Bearer ${TOKEN.slice(1)}`, ''].map(check),
    ).to.deep.equal([false, false, false, false, false]);
  });

  it('a request without the token is told how to send it', async () => {
    expect(await outcome(requireToken(TOKEN), {})).to.equal(
      '401 this route needs "Authorization: Bearer <token>" (auth.token)',
    );
    expect(await outcome(requireToken(TOKEN), { Authorization: `Bearer ${TOKEN}` })).to.equal('next');
  });

  it('client keys: only a whole IPv4-mapped address is mapped; leading zeros and zones are dropped from a /64', () => {
    expect(['::ffff:10.200.3.44', '::FFFF:1.2.3.4'].map(clientKey)).to.deep.equal(['10.200.3.44', '1.2.3.4']);
    expect(clientKey('::ffff:1.2.3.4:5')).not.to.equal('1.2.3.4');
    expect(clientKey('1::ffff:1.2.3.4')).to.equal('1:0:0:0::/64');
    expect(clientKey('2001:db8::')).to.equal('2001:db8:0:0::/64');
    expect(clientKey('1:2:3::4:5:6:7')).to.equal('1:2:3:0::/64');
    expect(clientKey('fe80::1%eth0')).to.equal('fe80:0:0:0::/64');
  });

  it('a full budgets map sweeps expired budgets at their reset time, and not again before the earliest live reset', () => {
    let now = 1000;
    const budgets = new ClientBudgets<{ reset: number }>(2, () => now);
    budgets.set('a', { reset: 1005 });
    budgets.set('b', { reset: 1010 });
    now = 1005; // a expires exactly now
    budgets.set('c', { reset: 1100 });
    expect([...budgets.keys()]).to.deep.equal(['b', 'c']);
    budgets.set('d', { reset: 1100 }); // nothing expired: the oldest goes; no sweep until 1010
    expect([...budgets.keys()]).to.deep.equal(['c', 'd']);
    budgets.set('c', { reset: 1000 }); // renewed (replaced), not a new client: nothing evicted
    expect([...budgets.keys()]).to.deep.equal(['d', 'c']);
    now = 1009; // before the earliest live reset seen by the last sweep (1010): no sweep, the oldest goes
    budgets.set('e', { reset: 1100 });
    expect([...budgets.keys()]).to.deep.equal(['c', 'e']);
  });

  it('POST bodies: JSON or none; a body announced by length or chunking needs the JSON type; foreign origins refused', async () => {
    const check = (headers: Record<string, string>) =>
      outcome(sameSiteJson(), { Host: 'smoke.local:8080', ...headers });
    const refusedType = '415 send the body as application/json (or no body)';
    expect(await check({})).to.equal('next');
    expect(await check({ 'Content-Length': '0' })).to.equal('next');
    expect(await check({ 'Content-Length': '2' })).to.equal(refusedType);
    expect(await check({ 'Transfer-Encoding': 'chunked' })).to.equal(refusedType);
    expect(await check({ 'Content-Type': 'text/plain' })).to.equal(refusedType);
    expect(await check({ 'Content-Length': '2', 'Content-Type': ' Application/JSON ; charset=utf-8' })).to.equal(
      'next',
    );
    expect(await check({ 'Content-Length': '2', 'Content-Type': 'text/plain; x=application/json' })).to.equal(
      refusedType,
    );
    expect(await check({ Origin: 'http://smoke.local:8080' })).to.equal('next');
    expect(await check({ Origin: 'http://evil.example' })).to.equal('403 cross-origin requests are refused');
    expect(await check({ Origin: 'not a url' })).to.equal('403 cross-origin requests are refused');
  });

  it('server.allowedHosts compares host names without case or port', async () => {
    const allow = allowHosts(['Smoke.Local']);
    expect(await outcome(allow, { Host: 'SMOKE.local:8080' })).to.equal('next');
    expect(await outcome(allow, { Host: 'other.local' })).to.equal(
      '421 this daemon does not serve that host name (server.allowedHosts)',
    );
  });
});

/** The client address behind `hops` trusted proxies, from this X-Forwarded-For (the proxy is 10.0.0.1). */
const behindProxy = (forwarded: string, hops = 1) => {
  const ctx = koaContext({ headers: { 'X-Forwarded-For': forwarded } });
  ctx.app.proxy = true;
  ctx.app.maxIpsCount = hops;
  Object.defineProperty(ctx.req.socket, 'remoteAddress', { value: '10.0.0.1' });
  return clientIp(ctx);
};

describe('access: who the client is, and what it may reach', () => {
  it("X-Forwarded-For behind trusted proxies: a port or brackets are taken off; anything else leaves the proxy's own address", () => {
    expect(behindProxy('10.9.9.9:1234')).to.equal('10.9.9.9');
    expect(behindProxy('[2001:db8::1]:1')).to.equal('2001:db8::1');
    expect(behindProxy('[2001:db8::1]')).to.equal('2001:db8::1');
    expect(behindProxy('2001:db8::1')).to.equal('2001:db8::1');
    expect(behindProxy('nonsense, 10.9.9.9')).to.equal('10.9.9.9');
    expect(behindProxy('10.9.9.9, nonsense')).to.equal('10.0.0.1');
    expect(behindProxy('999.1.1.1:80')).to.equal('10.0.0.1');
    // One budget per client whatever the port: 10.9.9.9:1 and :2 are one client.
    expect(clientKey(behindProxy('10.9.9.9:1'))).to.equal(clientKey(behindProxy('10.9.9.9:2')));
  });

  it('allowedHosts is checked against the Host header itself, never X-Forwarded-Host', async () => {
    const { app } = testService({
      env: { PETSAGE_SMOKE_ALLOWED_HOSTS: 'smoke.example.com', PETSAGE_SMOKE_TRUST_PROXY_HOPS: '1' },
    });
    await request(app.callback()).get('/livez').set('Host', 'smoke.example.com:8080').expect(200);
    await request(app.callback())
      .get('/livez')
      .set('Host', 'evil.example')
      .set('X-Forwarded-Host', 'smoke.example.com')
      .expect(421);
    expect(hostName('[::1]:8080')).to.equal('::1');
  });

  it('admin routes without a token set: this machine only (403 from elsewhere, as a DNS-rebinding page would be)', async () => {
    const admin = adminOnly(undefined);
    const from = async (address: string) => {
      const ctx = koaContext({ method: 'POST' });
      Object.defineProperty(ctx.req.socket, 'remoteAddress', { value: address });
      let reached = false;
      try {
        await admin(ctx, async () => void (reached = true));
      } catch (err) {
        return (err as { status: number }).status;
      }
      return reached ? 200 : 0;
    };
    expect([
      await from('127.0.0.1'),
      await from('::1'),
      await from('::ffff:127.0.0.1'),
      await from('10.0.0.7'),
    ]).to.deep.equal([200, 200, 200, 403]);
  });

  it('admin routes behind a trusted proxy on this machine: the client it forwards decides, not the proxy', async () => {
    const { app } = testService({ env: { PETSAGE_SMOKE_TRUST_PROXY_HOPS: '1' } });
    const suspend = (client: string) =>
      request(app.callback()).post('/-/suspend').set('X-Forwarded-For', client).set('Content-Type', 'application/json');
    expect((await suspend('203.0.113.9')).status).to.equal(403);
    expect((await suspend('127.0.0.1')).status).to.equal(200);
  });

  it('an anonymous flood from one address does not spend the budget of a gate with the token from the same address', async () => {
    const { app } = testService({ env: { PETSAGE_SMOKE_AUTH_TOKEN: TOKEN, PETSAGE_SMOKE_RATE_LIMIT_MAX: '2' } });
    for (let i = 0; i < 2; i += 1) await request(app.callback()).get('/smoke-test').expect(200);
    await request(app.callback()).get('/smoke-test').expect(429);
    await request(app.callback()).post('/smoke-test').set('Authorization', `Bearer ${TOKEN}`).send({}).expect(202);
  });
});

describe('access: the edges of each parse', () => {
  it('a forwarded entry is an address only as a whole: brackets, a port of any length, each part of an IPv4 address up to three digits', () => {
    const read = (entries: string[]) => entries.map(behindProxy);
    expect(read([' 10.9.9.9', '10.99.199.9:80', '[2001:db8::1]:1234'])).to.deep.equal([
      '10.9.9.9',
      '10.99.199.9',
      '2001:db8::1',
    ]);
    expect(
      read([
        'x[10.9.9.9]',
        '[10.9.9.9]x',
        '[nonsense]:80',
        'x10.9.9.9:80',
        '10.9.9.9:80x',
        '10.9.9.9:',
        '1000.9.9.9:80',
      ]),
      'the proxy address each time',
    ).to.deep.equal(Array(7).fill('10.0.0.1'));
  });

  it('an IPv6 /64 counts the groups on both sides of "::"', () => {
    expect(['1::3:4:5:6:7:8', '1:2::4:5:6:7:8', '1:2:3:4:5::8'].map(clientKey)).to.deep.equal([
      '1:0:3:4::/64',
      '1:2:0:4::/64',
      '1:2:3:4::/64',
    ]);
  });

  it('a full budgets map sweeps again once the earliest live reset it saw has come, exactly then', () => {
    let now = 1000;
    const budgets = new ClientBudgets<{ reset: number }>(3, () => now);
    budgets.set('x', { reset: 1100 });
    budgets.set('z', { reset: 1100 });
    budgets.set('y', { reset: 1010 });
    budgets.set('w', { reset: 1100 }); // nothing expired: the oldest (x) goes; the earliest live reset is 1010
    expect([...budgets.keys()]).to.deep.equal(['z', 'y', 'w']);
    now = 1010; // y expires exactly now: swept, though it is not the oldest
    budgets.set('v', { reset: 1100 });
    expect([...budgets.keys()]).to.deep.equal(['z', 'w', 'v']);
  });

  it('a budget whose reset is now has expired, even when it is not the oldest', () => {
    let now = 1000;
    const budgets = new ClientBudgets<{ reset: number }>(2, () => now);
    budgets.set('b', { reset: 1100 });
    budgets.set('a', { reset: 1005 });
    now = 1005;
    budgets.set('c', { reset: 1100 });
    expect([...budgets.keys()]).to.deep.equal(['b', 'c']);
  });

  it("the budgets' own clock is in seconds, as the resets koa-ratelimit stores", () => {
    const budgets = new ClientBudgets<{ reset: number }>(2);
    const nowSeconds = Date.now() / 1000;
    budgets.set('expired', { reset: nowSeconds - 1 });
    budgets.set('live', { reset: nowSeconds + 3600 });
    budgets.set('new', { reset: nowSeconds + 3600 });
    expect([...budgets.keys()]).to.deep.equal(['live', 'new']);
  });

  it('a Host is matched as a whole name: nothing before its brackets, a port only at its end', async () => {
    const allow = allowHosts(['smoke.local', '[::1]']);
    const refused = '421 this daemon does not serve that host name (server.allowedHosts)';
    expect(await outcome(allow, { Host: '[::1]:8080' })).to.equal('next');
    expect(await outcome(allow, { Host: 'evil[smoke.local]' })).to.equal(refused);
    expect(await outcome(allow, { Host: 'smoke:.local' })).to.equal(refused);
  });

  it('admin routes from elsewhere without a token are refused with the reason', async () => {
    const ctx = koaContext({ method: 'POST' });
    Object.defineProperty(ctx.req.socket, 'remoteAddress', { value: '10.0.0.7' });
    const refusal = await adminOnly(undefined)(ctx, async () => {}).catch(
      (err: { status: number; message: string }) => err,
    );
    expect(refusal).to.include({
      status: 403,
      message: 'the admin routes are open to this machine only while auth.token is unset',
    });
  });
});
