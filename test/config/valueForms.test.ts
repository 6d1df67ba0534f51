import { expect } from 'chai';
import { headerMap, hostList, labelMatchers, streamSelector, tokenOrEmpty, urlOrEmpty } from '../../src/config/kinds';
import { shown, shownKey } from '../../src/config/shown';
import { parseByteSize, parseDuration, toBoolean, toNumber } from '../../src/config/units';

/** What a value parses to, or the message it is refused with. */
const parsed = (
  schema: { safeParse(v: unknown): { success: boolean; data?: unknown; error?: { issues: { message: string }[] } } },
  v: unknown,
) => {
  const result = schema.safeParse(v);
  return result.success ? result.data : `refused: ${result.error!.issues[0]!.message}`;
};

describe('config: value forms, whole values only, spaces around them allowed', () => {
  it('numbers: an optional sign, digits, an optional fraction of any length', () => {
    expect([' 42 ', '-3', '1.25', '1.x', 'x1', '1x', true].map(toNumber)).to.deep.equal([
      42,
      -3,
      1.25,
      '1.x',
      'x1',
      '1x',
      true,
    ]);
  });

  it('booleans: true/1 and false/0 in any case; anything else is left for the schema to refuse', () => {
    expect(['true', ' TRUE ', '1', 'false', 'False', ' 0 ', 'yes', '', 7].map(toBoolean)).to.deep.equal([
      true,
      true,
      true,
      false,
      false,
      false,
      'yes',
      '',
      7,
    ]);
  });

  it('durations: a number with a unit, fractions of any length; a bare number is milliseconds', () => {
    expect([' 10s ', '1.25s', '90', 'x10s', '10sx', '10 s', true].map(parseDuration)).to.deep.equal([
      10_000,
      1250,
      90,
      'x10s',
      '10sx',
      '10 s',
      true,
    ]);
  });

  it('sizes: a whole number with a binary unit, a space between allowed; a bare number is bytes', () => {
    expect([' 512 KiB ', '2MiB', '100', 'x1KiB', '1KiBx', '1.5KiB', true].map(parseByteSize)).to.deep.equal([
      524_288,
      2 * 1024 ** 2,
      100,
      'x1KiB',
      '1KiBx',
      '1.5KiB',
      true,
    ]);
  });
});

describe('config: the kinds of value a key takes', () => {
  it('a URL is http(s) from its first character', () => {
    expect(['', 'http://127.0.0.1:3100', 'https://loki'].map((v) => parsed(urlOrEmpty(), v))).to.deep.equal([
      '',
      'http://127.0.0.1:3100',
      'https://loki',
    ]);
    expect(parsed(urlOrEmpty(), 'see http://loki')).to.match(/^refused: an http\(s\) URL/);
  });

  it('a token of 16 characters is long enough, of 15 not', () => {
    expect(parsed(tokenOrEmpty(), 'a'.repeat(16))).to.equal('a'.repeat(16));
    expect(parsed(tokenOrEmpty(), 'a'.repeat(15))).to.match(/^refused: a token of at least 16 characters/);
  });

  it('lists and headers in an environment variable: spaces around each item and around "=" are not part of it', () => {
    expect(parsed(hostList(), 'a.example, b.example ,')).to.deep.equal(['a.example', 'b.example']);
    expect(parsed(headerMap(), 'X-Scope-OrgID = team-a, Authorization=Bearer%20x')).to.deep.equal({
      'X-Scope-OrgID': 'team-a',
      Authorization: 'Bearer x',
    });
    expect(parsed(headerMap(), ['X-Scope-OrgID=team-a']), 'a list in a file is not a mapping').to.match(
      /^refused: a mapping of HTTP header names/,
    );
  });

  it('label matchers and stream selectors: matchers only, the whole text', () => {
    expect(parsed(labelMatchers(), 'job="petsage-smoke", namespace=~"smoke.*"')).to.equal(
      'job="petsage-smoke", namespace=~"smoke.*"',
    );
    for (const bad of ['up{job="x"}', 'job="x") or vector(1', 'job'])
      expect(parsed(labelMatchers(), bad), bad).to.match(/^refused: label matchers/);
    expect(parsed(streamSelector(), ' {service_name="petsage-smoke"} ')).to.be.a('string');
    for (const bad of ['{service_name="x"} |= "y"', 'x{a="b"}', '{}'])
      expect(parsed(streamSelector(), bad), bad).to.match(/^refused: a LogQL stream selector/);
  });
});

describe('config: what an error may show of a key and its value', () => {
  it('a secret, anything inside it and anything on the way to it is hidden, under a pipeline too', () => {
    expect(shown('auth.token', 'sekret')).to.equal('(hidden)');
    expect(shown('auth.token.extra', 'sekret'), 'inside a secret').to.equal('(hidden)');
    expect(shown('verify.metrics.auth', { token: 'x' }), 'on the way to one').to.equal('(hidden)');
    expect(shown('pipelines.team-a.log.otlp.headers', { a: 'b' })).to.equal('(hidden)');
    expect(shown('x.pipelines.team-a.auth.token', 'shown'), 'only a pipeline at the start').to.equal('"shown"');
    expect(shown('server.port', undefined)).to.equal('missing');
    expect(shown('server.port', 70000)).to.equal('70000');
  });

  it("a key inside a secret is cut at the secret; a URL's credentials are hidden, spaces around it too", () => {
    expect(shownKey('log.otlp.headers.X-Api-Key')).to.equal('log.otlp.headers');
    expect(shownKey('pipelines.team-a.log.otlp.headers.X-Api-Key')).to.equal('pipelines.team-a.log.otlp.headers');
    expect(shownKey('server.port')).to.equal('server.port');
    expect(shown('verify.log.loki.url', ' http://user:pw@loki:3100/x ')).to.not.include('pw');
    expect(shown('service.name', 'see http://user:pw@loki')).to.equal('"see http://user:pw@loki"');
  });
});
