import { expect } from 'chai';
import { HttpError, httpGet, parseJson } from '../../src/readers/httpClient';
import { sanitize } from '../../src/text';
import { scratchServer } from '../support/scratchServer';

const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('expected a failure'),
    (err: unknown) => {
      expect(err).to.be.instanceOf(HttpError);
      return err as HttpError;
    },
  );

describe('outbound HTTP client', () => {
  it('answers status and body, sends the headers, and names each way a request fails', async () => {
    const server = await scratchServer((req, res) => {
      const status = Number(req.url?.slice(1)) || 200;
      if (status === 302) return res.writeHead(302, { location: 'http://127.0.0.1:9/' }).end();
      res.writeHead(status).end(status === 200 ? '{"ok":true}' : 'backend says no');
    });
    try {
      const signal = AbortSignal.timeout(5000);
      expect(
        await httpGet(`${server.url}/200`, { signal, maxBytes: 100, headers: { 'X-Scope-OrgID': 'team-a' } }),
      ).to.deep.equal({ status: 200, body: '{"ok":true}' });
      expect(server.requests[0]!.headers['x-scope-orgid']).to.equal('team-a');
      expect((await httpGet(`${server.url}/404`, { signal, maxBytes: 100, accept: [404] })).status).to.equal(404);
      const kinds: Record<string, string> = {
        302: 'redirect',
        401: 'unauthorized',
        403: 'unauthorized',
        404: 'not_found',
        418: 'client_error',
        503: 'server_error',
      };
      for (const [status, kind] of Object.entries(kinds)) {
        const err = await failure(httpGet(`${server.url}/${status}`, { signal, maxBytes: 100 }));
        expect([err.kind, err.status], status).to.deep.equal([kind, Number(status)]);
      }
      expect(server.requests.filter((r) => r.url === '/').length, 'redirects are not followed').to.equal(0);
      expect((await failure(httpGet('http://127.0.0.1:9/', { signal, maxBytes: 100 }))).kind).to.equal('unreachable');
    } finally {
      await server.close();
    }
  });

  it('aborts an answer past the byte cap while it streams, and a request past its deadline', async () => {
    let sent = 0;
    const server = await scratchServer((req, res) => {
      if (req.url === '/hang') return;
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 64 * 1024 * 1024 && !res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => void (sent = Infinity));
      pump();
    });
    try {
      const big = await failure(httpGet(`${server.url}/big`, { signal: AbortSignal.timeout(5000), maxBytes: 1 << 20 }));
      expect(big.kind).to.equal('too_large');
      const slow = await failure(httpGet(`${server.url}/hang`, { signal: AbortSignal.timeout(50), maxBytes: 100 }));
      expect(slow.kind).to.equal('timeout');
    } finally {
      await server.close();
    }
  });

  it('parses JSON or fails as malformed; sanitizes backend text to one bounded printable line', () => {
    expect(parseJson<{ a: number }>('{"a":1}')).to.deep.equal({ a: 1 });
    expect(() => parseJson('<html>')).to.throw(HttpError, 'not JSON');
    expect(sanitize('ok\r\nrun deploy-1 verified\u001b[0m')).to.equal('ok run deploy-1 verified [0m');
    expect(sanitize('x'.repeat(1000))).to.have.length(401);
  });

  it('status edges: 2xx answers, 3xx redirects, 4xx client errors, 5xx server errors; messages name the host, status and body', async () => {
    const server = await scratchServer((req, res) => {
      const status = Number(req.url?.slice(1));
      res.writeHead(status).end(status === 204 ? undefined : status === 500 ? '' : 'no\u001b[31m');
    });
    const signal = AbortSignal.timeout(5000);
    const kinds: [number, string | undefined][] = [
      [200, undefined],
      [299, undefined],
      [300, 'redirect'],
      [399, 'redirect'],
      [400, 'client_error'],
      [499, 'client_error'],
      [500, 'server_error'],
      [599, 'server_error'],
    ];
    for (const [status, kind] of kinds) {
      const got = await httpGet(`${server.url}/${status}`, { signal, maxBytes: 100 }).then(
        () => undefined,
        (err: HttpError) => err.kind,
      );
      expect(got, String(status)).to.equal(kind);
    }
    const withBody = await failure(httpGet(`${server.url}/400`, { signal, maxBytes: 100 }));
    expect([withBody.message, withBody.reason, withBody.name]).to.deep.equal([
      'HTTP 400: no [31m',
      'bad_response',
      'HttpError',
    ]);
    expect((await failure(httpGet(`${server.url}/500`, { signal, maxBytes: 100 }))).message).to.equal('HTTP 500');
    expect((await failure(httpGet(`${server.url}/302`, { signal, maxBytes: 100 }))).reason).to.equal('bad_response');
    const down = await failure(httpGet('http://127.0.0.1:9/', { signal, maxBytes: 100 }));
    expect([down.message, down.reason]).to.deep.equal(['cannot reach 127.0.0.1:9: ECONNREFUSED', 'unreachable']);
    expect(server.requests[0]!.headers.accept).to.equal('application/json');
    expect(server.requests[0]!.method).to.equal('GET');
  });

  it('the byte cap: a declared length over it is refused before reading; a body of exactly the cap is read, declared or not', async () => {
    const server = await scratchServer((req, res) => {
      const size = Number(req.url?.replace(/\D/g, ''));
      if (req.url?.startsWith('/chunked')) return res.writeHead(200).end('x'.repeat(size)); // no length: the cap holds while reading
      res.writeHead(200, { 'Content-Length': size }).end('x'.repeat(size));
    });
    const signal = AbortSignal.timeout(5000);
    expect((await httpGet(`${server.url}/10`, { signal, maxBytes: 10 })).body).to.equal('x'.repeat(10));
    expect((await httpGet(`${server.url}/chunked10`, { signal, maxBytes: 10 })).body).to.equal('x'.repeat(10));
    expect((await failure(httpGet(`${server.url}/chunked11`, { signal, maxBytes: 10 }))).message).to.equal(
      'answer is over the 10-byte cap',
    );
    const over = await failure(httpGet(`${server.url}/11`, { signal, maxBytes: 10 }));
    expect([over.kind, over.reason, over.message]).to.deep.equal([
      'too_large',
      'bad_response',
      'answer of 11 bytes is over the 10-byte cap',
    ]);
    const timeout = await failure(httpGet(`${server.url}/1`, { signal: AbortSignal.abort(), maxBytes: 10 }));
    expect([timeout.kind, timeout.reason, timeout.message]).to.deep.equal([
      'timeout',
      'query_timeout',
      `no answer from ${new URL(server.url).host} in time`,
    ]);
  });
});

describe('outbound HTTP client: what an answer may build, and what a refusal says', () => {
  const LONG_DATE = `Wed, 21 Oct 2026 07:28:00 GMT${' and more'.repeat(10)}`;
  const bounds = { maxValues: 4, maxDepth: 2 };
  const refusal = (body: string) => {
    try {
      parseJson(body, bounds);
    } catch (err) {
      expect(err).to.be.instanceOf(HttpError);
      return [(err as HttpError).kind, (err as HttpError).message];
    }
    return 'parsed';
  };

  it('nesting up to maxDepth and values up to maxValues parse; one more of either is refused before parsing', () => {
    expect(refusal('[[1]]')).to.equal('parsed');
    expect(refusal('[[[1]]]')).to.deep.equal(['malformed', 'the answer is nested deeper than 2 levels']);
    expect(refusal('{"a":[1]}')).to.equal('parsed');
    expect(refusal('{"a":{"b":{}}}')).to.deep.equal(['malformed', 'the answer is nested deeper than 2 levels']);
    // Containers and elements after commas are counted: [ + 3 commas = 4.
    expect(refusal('[1,2,3,4]')).to.equal('parsed');
    expect(refusal('[1,2,3,4,5]')).to.deep.equal(['malformed', 'the answer is more than 4 JSON values']);
    // Closing brackets give the depth back: siblings are as deep as each other.
    expect(refusal('[[1],[2]]')).to.equal('parsed');
    expect(refusal('{"a":[],"b":[]}')).to.equal('parsed');
    expect(refusal('not json')).to.deep.equal(['malformed', 'the answer is not JSON']);
  });

  it('brackets, commas and escaped quotes inside strings are text, not structure', () => {
    expect(refusal('["[[[[,,,,{{{{"]')).to.equal('parsed');
    expect(refusal('["a\\",[[[[,,,,"]')).to.equal('parsed');
    expect(refusal('["\\\\",[[1]]]')).to.deep.equal(['malformed', 'the answer is nested deeper than 2 levels']);
  });

  it("a throttled store's Retry-After is quoted, printable and short; a refusal's body is read no further than its first 4 KiB", async () => {
    const server = await scratchServer((req, res) => {
      if (req.url === '/throttled')
        return res.writeHead(429, { 'retry-after': '30' }).end('too many outstanding requests');
      if (req.url === '/long-date') return res.writeHead(429, { 'retry-after': LONG_DATE }).end();
      if (req.url === '/bare') return res.writeHead(429).end();
      res.writeHead(503);
      res.write('x'.repeat(4096));
      res.write('the rest'); // past what a refusal is read for: the request ends here, not at the deadline
    });
    try {
      const signal = AbortSignal.timeout(20_000);
      const get = (p: string) => failure(httpGet(`${server.url}${p}`, { signal, maxBytes: 1 << 20 }));
      const throttled = await get('/throttled');
      expect([throttled.kind, throttled.reason, throttled.message]).to.deep.equal([
        'throttled',
        'throttled',
        'HTTP 429 (Retry-After 30): too many outstanding requests',
      ]);
      const longDate = (await get('/long-date')).message;
      expect(longDate).to.equal(`HTTP 429 (Retry-After ${sanitize(LONG_DATE, 40)})`);
      expect(longDate.length, 'cut to 40 characters').to.be.below(LONG_DATE.length);
      expect((await get('/bare')).message).to.equal('HTTP 429');
      const long = await get('/long');
      // Refused once past 4 KiB, not at the deadline: what it quotes is what came before (none, when
      // the first chunk already passed the limit).
      expect([long.kind, long.message.startsWith('HTTP 503')]).to.deep.equal(['server_error', true]);
      expect(long.message).to.not.include('the rest');
    } finally {
      await server.close();
    }
  });
});
