import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { clientKey } from '../../src/http/access';
import { testService } from '../support/app';
import { REPO_ROOT } from '../support/repo';

/**
 * What the documentation promises about access (docs/http-api.md, which the README points to), checked
 * against its own words: each test first finds the sentence (so a change to either the text or the
 * daemon fails here), then checks the daemon's answers against it, never against the source's constants.
 */
const DOC = readFileSync(path.join(REPO_ROOT, 'docs', 'http-api.md'), 'utf8').replace(/\s+/g, ' ');
const docSays = (sentence: string) => expect(DOC, 'docs/http-api.md says so').to.include(sentence);

/** A Content-Security-Policy as directive -> sources. */
function parseCsp(header: string | undefined): Map<string, string[]> {
  expect(header, 'a Content-Security-Policy header').to.be.a('string');
  return new Map(
    header!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name!.toLowerCase(), sources] as const),
  );
}

/** The fetch directives: what a page may load, each falling back to default-src (and, without it, anything). */
const FETCH_DIRECTIVES = [
  'default-src',
  'script-src',
  'script-src-elem',
  'script-src-attr',
  'style-src',
  'style-src-elem',
  'style-src-attr',
  'img-src',
  'font-src',
  'connect-src',
  'media-src',
  'object-src',
  'frame-src',
  'child-src',
  'worker-src',
  'manifest-src',
];
function effective(csp: Map<string, string[]>, directive: string): string[] {
  const fallback = directive.replace(/-(elem|attr)$/, '');
  const sources = csp.get(directive) ?? csp.get(fallback) ?? csp.get('default-src') ?? ['*'];
  return sources.filter((s) => s !== "'none'");
}
/** Sources that load from somewhere other than the page's own origin: every host or scheme source
 * (`*`, `localhost:9000`, `https:`), and 'strict-dynamic'; not the other keywords, nor data: and blob:. */
const elsewhere = (source: string) =>
  source === "'strict-dynamic'" || !/^('[^']*'|(data|blob|filesystem|mediastream):)$/i.test(source);

/** Whether a source list allows what `source` does: the same source, or `*` (any origin; not inline, eval, data: or blob:). */
const covers = (sources: string[], source: string) =>
  sources.includes(source) || (sources.includes('*') && !/^'unsafe-|^(data|blob|filesystem):/.test(source));

describe('documented promises (docs/http-api.md): access', () => {
  it('the status page: "its own Content-Security-Policy, stricter than the rest: default-src \'none\', its own stylesheet and script only, nothing inline, no eval"', async () => {
    docSays(
      "It runs under its own Content-Security-Policy, stricter than the rest: `default-src 'none'`, its own stylesheet and script only, nothing inline, no eval.",
    );
    docSays('rendered by the daemon from its own state, with nothing fetched from elsewhere');
    const app = testService().app.callback();
    const page = await request(app).get('/status').expect(200);
    const browser = await request(app).get('/').set('Accept', 'text/html').expect(200);
    const docs = await request(app).get('/docs').expect(200);
    expect(browser.headers['content-security-policy'], 'GET / in a browser: the same page').to.equal(
      page.headers['content-security-policy'],
    );
    const csp = parseCsp(page.headers['content-security-policy'] as string);
    const rest = parseCsp(docs.headers['content-security-policy'] as string);

    expect(csp.get('default-src'), "default-src 'none'").to.deep.equal(["'none'"]);
    // Its own stylesheet and script only: from the daemon, and nothing else.
    for (const d of ['script-src', 'script-src-elem', 'style-src', 'style-src-elem'])
      expect(effective(csp, d), d).to.deep.equal(["'self'"]);
    for (const d of ['script-src-attr', 'style-src-attr'])
      expect(effective(csp, d), d).to.not.include("'unsafe-inline'");
    // Nothing inline, no eval, in any directive.
    const everySource = [...csp.values()].flat();
    expect(
      everySource.filter((s) => /^'(unsafe-inline|unsafe-hashes|nonce-.*|sha(256|384|512)-.*)'$/.test(s)),
      'inline allowed',
    ).to.deep.equal([]);
    expect(
      everySource.filter((s) => /^'(unsafe-eval|wasm-unsafe-eval)'$/.test(s)),
      'eval allowed',
    ).to.deep.equal([]);
    // Nothing from elsewhere; and stricter than the rest: no directive allows what the docs page's does not.
    for (const d of FETCH_DIRECTIVES) {
      expect(effective(csp, d).filter(elsewhere), `${d} from elsewhere`).to.deep.equal([]);
      const wider = effective(csp, d).filter((s) => !covers(effective(rest, d), s));
      expect(wider, `${d}: allowed here, not on the rest`).to.deep.equal([]);
    }
  });

  it('the docs page: "a Content-Security-Policy that lets the docs page load only from the daemon"', async () => {
    docSays('a `Content-Security-Policy` that lets the docs page load only from the daemon');
    const app = testService().app.callback();
    for (const p of ['/docs', '/openapi.json']) {
      const csp = parseCsp((await request(app).get(p).expect(200)).headers['content-security-policy'] as string);
      expect(csp.has('default-src'), `${p}: a default-src, so no fetch directive falls back to anything`).to.equal(
        true,
      );
      for (const d of FETCH_DIRECTIVES)
        expect(effective(csp, d).filter(elsewhere), `${p} ${d} from elsewhere`).to.deep.equal([]);
    }
  });

  it('the rate limit: "an IPv4-mapped IPv6 address counts as its IPv4 address", whatever its octets', async () => {
    docSays('A client is an IPv4 address (an IPv4-mapped IPv6 address counts as its IPv4 address)');
    // Octets of one to three digits in every place.
    for (const v4 of ['198.51.100.7', '10.0.100.1', '192.168.255.254', '1.22.133.4', '203.0.113.255'])
      expect(clientKey(`::ffff:${v4}`), v4).to.equal(v4);
    // Through the route, from behind one proxy: the mapped address and the plain one share one budget.
    const { app } = testService({
      env: { PETSAGE_SMOKE_RATE_LIMIT_MAX: '1', PETSAGE_SMOKE_TRUST_PROXY_HOPS: '1' },
    });
    const from = (xff: string) => request(app.callback()).get('/smoke-test').set('X-Forwarded-For', xff);
    expect((await from('::ffff:198.51.100.77')).status, 'first run').to.equal(200);
    expect((await from('198.51.100.77')).status, 'the same client, unmapped').to.equal(429);
    expect((await from('::ffff:198.51.100.78')).status, 'another client').to.equal(200);
  });

  it('behind proxies: "the client address is then read from X-Forwarded-For, that many hops from the right"', async () => {
    docSays(
      "Set `server.trustProxyHops` to the number of proxies in front of the daemon (Koa's `app.proxy` and `maxIpsCount`): the client address is then read from `X-Forwarded-For`, that many hops from the right.",
    );
    // Two proxies: the nearer one appends the farther one's address, the farther one the client's; what
    // the client wrote itself comes first and proves nothing.
    const { app } = testService({
      env: { PETSAGE_SMOKE_RATE_LIMIT_MAX: '1', PETSAGE_SMOKE_TRUST_PROXY_HOPS: '2' },
    });
    const from = (xff: string) => request(app.callback()).get('/smoke-test').set('X-Forwarded-For', xff);
    expect((await from('192.0.2.1, 198.51.100.10, 10.0.0.1')).status, 'client .10').to.equal(200);
    // The same client, with another address of its own choosing and through another proxy: one budget.
    expect((await from('192.0.2.99, 198.51.100.10, 10.0.0.2')).status, 'client .10 again').to.equal(429);
    // Another client, with the same made-up first entry and through the same proxy: a budget of its own.
    expect((await from('192.0.2.1, 198.51.100.11, 10.0.0.1')).status, 'client .11').to.equal(200);
    // A client that sends no entry of its own: two entries, the client's is the leftmost.
    expect((await from('198.51.100.12, 10.0.0.1')).status, 'client .12').to.equal(200);
    expect((await from('198.51.100.12, 10.0.0.2')).status, 'client .12 again').to.equal(429);
  });
});
