import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { expect } from 'chai';
import { ConfigError } from '../../src/config/load';
import type { BackendConnection } from '../../src/config/schema';
import { connect, OPEN_CONNECTION } from '../../src/readers/connection';
import { HttpError } from '../../src/readers/httpClient';
import { scratchServer } from '../support/scratchServer';
import { tmpDir } from '../support/tmp';

const withAuth = (
  auth: Partial<BackendConnection['auth']>,
  rest: Partial<BackendConnection> = {},
): BackendConnection => ({ ...OPEN_CONNECTION, ...rest, auth: { ...OPEN_CONNECTION.auth, ...auth } });
const options = () => ({ signal: AbortSignal.timeout(5000), maxBytes: 1024 });

/** A backend that answers {"ok":true} and keeps each request's path and headers. */
async function backend() {
  const server = await scratchServer((_req, res) =>
    res.setHeader('Content-Type', 'application/json').end('{"ok":true}'),
  );
  const seen = () =>
    server.requests.map((r) => ({
      url: r.url,
      tenant: r.headers['x-scope-orgid'] ?? r.headers['x-tenant'],
      authorization: r.headers.authorization,
    }));
  return { url: server.url, seen, requests: () => server.requests };
}

describe('connection: how one backend is reached', () => {
  it('without tenant or credentials, sends neither header; a trailing slash on the URL is dropped', async () => {
    const b = await backend();
    const c = connect(`${b.url}//`, OPEN_CONNECTION, 'verify.log.loki');
    expect(c.baseUrl).to.equal(b.url);
    expect(await c.get('/ready?x=1', options())).to.deep.equal({ status: 200, body: '{"ok":true}' });
    expect(b.seen()).to.deep.equal([{ url: '/ready?x=1', tenant: undefined, authorization: undefined }]);
  });

  it("a query ends at the backend's timeout though the caller's signal never fires, and collections of garbage meanwhile", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const hung = await scratchServer(() => undefined); // takes the request, never answers
    const c = connect(hung.url, { ...OPEN_CONNECTION, timeout: 300 }, 'verify.traces.tempo');
    // The collections: a deadline held only weakly (AbortSignal.any over AbortSignal.timeout) is lost to them.
    const collecting = setInterval(gc, 20);
    const err = await c
      .get('/api/traces/1', { signal: new AbortController().signal, maxBytes: 1024 })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
      .finally(() => clearInterval(collecting));
    expect(err).to.be.instanceOf(HttpError).and.include({ kind: 'timeout' });
    await hung.close();
  });

  it('sends the tenant as X-Scope-OrgID and a bearer token, which wins over basic auth', async () => {
    const b = await backend();
    await connect(b.url, withAuth({ token: 't0ken', username: 'u', password: 'p' }, { tenant: 'team-a' }), 'k').get(
      '/',
      options(),
    );
    expect(b.seen()).to.deep.equal([{ url: '/', tenant: 'team-a', authorization: 'Bearer t0ken' }]);
  });

  it('sends the tenant in the header the store reads it from (tenantHeader: x-tenant for Jaeger), and no other', async () => {
    const b = await backend();
    await connect(
      b.url,
      { ...OPEN_CONNECTION, tenant: 'team-b', tenantHeader: 'x-tenant' },
      'verify.traces.jaeger',
    ).get('/', options());
    const [request] = b.requests();
    expect([request!.headers['x-tenant'], request!.headers['x-scope-orgid']]).to.deep.equal(['team-b', undefined]);
  });

  it('shows its URL without credentials, query or fragment, with the tenant: what a verdict and the start-up line print', () => {
    const c = connect(
      'https://user:s3cret@mimir.example:8443/prometheus?api_key=s3cret#x',
      { ...OPEN_CONNECTION, tenant: 'team-a' },
      'k',
    );
    expect(c.shown).to.equal('https://mimir.example:8443/prometheus?… (X-Scope-OrgID: team-a)');
    expect(c.shown).not.to.include('s3cret');
  });

  it('basic auth from a user name and a password read from a file (trimmed, as a mounted Secret ends in a newline)', async () => {
    const b = await backend();
    const dir = tmpDir('petsage-conn-');
    writeFileSync(path.join(dir, 'password'), 's3cret\n');
    writeFileSync(path.join(dir, 'token'), ' from-file \n');
    await connect(
      b.url,
      withAuth({ username: 'reader', password: 'ignored', passwordFile: path.join(dir, 'password') }),
      'k',
    ).get('/', options());
    await connect(b.url, withAuth({ token: 'ignored', tokenFile: path.join(dir, 'token') }), 'k').get('/', options());
    expect(b.seen().map((s) => s.authorization)).to.deep.equal([
      `Basic ${Buffer.from('reader:s3cret').toString('base64')}`,
      'Bearer from-file',
    ]);
  });

  it('an unreadable secret or CA file is a config error naming the key and the file, never the secret', () => {
    const missing = path.join(tmpDir('petsage-conn-'), 'absent');
    const cases: [Partial<BackendConnection['auth']>, Partial<BackendConnection>, string][] = [
      [
        { token: 'inline-secret', tokenFile: missing },
        {},
        `config error: verify.metrics.auth.tokenFile: cannot read ${missing}: ENOENT`,
      ],
      [
        { password: 'inline-secret', passwordFile: missing },
        {},
        `config error: verify.metrics.auth.passwordFile: cannot read ${missing}: ENOENT`,
      ],
      [{}, { caFile: missing }, `config error: verify.metrics.caFile: cannot read ${missing}: ENOENT`],
    ];
    for (const [auth, rest, message] of cases) {
      expect(() => connect('http://127.0.0.1:9', withAuth(auth, rest), 'verify.metrics')).to.throw(
        ConfigError,
        message,
      );
    }
  });
});
