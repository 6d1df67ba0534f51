import net from 'node:net';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { spawnDaemon, type SpawnedDaemon, UNLIMITED, stopDaemon } from '../support/daemon';
import { METRIC } from '../../src/vocabulary';

const REQUESTS = 10_000;
const CONCURRENCY = 16;
const MARK = 'FZ7Q'; // in every piece of hostile input: it must never reach a log line or a label

/** mulberry32: a seeded generator, so a failure can be replayed. */
function prng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  return { int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

const ROUTES = [
  '/',
  '/smoke-test',
  '/smoke-test/',
  '/smoke-test/run-1',
  '/metrics',
  '/livez',
  '/readyz',
  '/healthz',
  '/openapi.json',
  '/docs',
  '/docs/init.js',
  '/api/v1/smoke-test',
  '/v1/smoke_test/',
  '/system/healthz',
  '/api/v1/health',
  '/-/resume',
];
const METHODS = [
  'GET',
  'GET',
  'GET',
  'POST',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'HEAD',
  'OPTIONS',
  'PROPFIND',
  'TRACE',
  `${MARK}X`,
  'G\u00e9T',
];
const NASTY = [
  '\r\n',
  '%0d%0a',
  '\u001b[31m',
  '%1b%5b31m',
  '\u0000',
  '%00',
  '../',
  '%2e%2e%2f',
  '..%5c',
  '\u202e',
  '\ud83d\udc36',
  '%ff%fe',
  '%',
  '"',
  "'",
  '<script>',
  '${jndi:x}',
  '\\',
];

function nasty(r: Rng, n = 1 + r.int(4)): string {
  let s = MARK;
  for (let i = 0; i < n; i += 1) s += r.pick(NASTY) + String(r.int(1000));
  return s;
}

function path(r: Rng): string {
  let p = r.pick(ROUTES);
  const roll = r.int(10);
  if (roll === 0) p += `/${nasty(r)}`;
  else if (roll === 1) p = `/smoke-test/${nasty(r)}`;
  else if (roll === 2)
    p = `/${'a'.repeat(r.int(20_000))}${MARK}`; // long: some pass, some exceed the header limit
  else if (roll === 3) p = `/../../etc/passwd${MARK}`;
  if (r.chance(0.3)) p += `?${MARK}=${nasty(r)}&id=${nasty(r)}&${'q'.repeat(r.int(300))}`;
  // A raw space or newline would end the request line: those become parser errors, which is the point.
  return r.chance(0.9) ? p.replace(/[ \r\n]/g, (c) => encodeURIComponent(c)) : p;
}

function body(r: Rng): { type: string; data: Buffer } | undefined {
  switch (r.int(7)) {
    case 0:
      return undefined;
    case 1:
      return { type: 'application/json', data: Buffer.from(JSON.stringify({ id: nasty(r) })) };
    case 2:
      return { type: 'application/json', data: Buffer.from(JSON.stringify({ id: `fz-${r.int(1e9)}` })) }; // a valid id
    case 3:
      return { type: 'application/json', data: Buffer.from(`{"id": "${nasty(r)}", "${MARK}": [1,2,`) };
    case 4:
      return { type: 'application/json', data: Buffer.alloc(4097 + r.int(60_000), 'x') }; // over the 4 KiB limit
    case 5:
      return { type: r.pick(['text/plain', `${MARK}/x`, 'multipart/form-data']), data: Buffer.from(nasty(r)) };
    default:
      return {
        type: 'application/json',
        data: Buffer.from(JSON.stringify({ wait: false, [MARK]: nasty(r), extra: r.int(9) })),
      };
  }
}

function request(r: Rng): Buffer {
  const b = body(r);
  const headers = [`Host: 127.0.0.1`, 'Connection: close'];
  if (b) headers.push(`Content-Type: ${b.type}`, `Content-Length: ${b.data.length}`);
  // Mostly printable values (which reach the app), sometimes control bytes (which the parser refuses).
  const value = () => (r.chance(0.9) ? encodeURIComponent(nasty(r)) : nasty(r).replace(/[\r\n]/g, ''));
  for (let i = r.int(4); i > 0; i -= 1) headers.push(`X-${MARK}-${r.int(100)}: ${value()}`);
  if (r.chance(0.05)) headers.push(`X-Big: ${MARK}${'b'.repeat(17_000)}`); // over Node's 16 KiB header limit
  if (r.chance(0.05)) headers.push(`Bad Header${MARK}: x`); // not a token: a parser error
  if (r.chance(0.1)) headers.push(`Accept: ${r.pick(['application/openmetrics-text', '*/*', value()])}`);
  if (r.chance(0.05)) headers.push(`traceparent: 00-${MARK}-${value()}`);
  const head = Buffer.from(`${r.pick(METHODS)} ${path(r)} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`, 'utf8');
  return b ? Buffer.concat([head, b.data]) : head;
}

/** One request on its own connection; resolves with the status code (0: no answer). */
function send(port: number, raw: Buffer): Promise<{ status: number; head: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(20_000, () => socket.destroy());
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {}); // the server may close before reading an oversized body
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), head: text.slice(0, 4000) });
    });
    socket.write(raw);
  });
}

function seriesOf(exposition: string) {
  return exposition
    .split('\n')
    .filter((l) => l.startsWith('petsage_smoke_') || l.startsWith('process_') || l.startsWith('nodejs_'));
}

async function fuzz(daemon: SpawnedDaemon, seed: number, count: number) {
  const r = prng(seed);
  const { port } = new URL(daemon.url);
  const statuses = new Map<number, number>();
  const samples = new Map<number, string>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const raw = request(r);
      const { status, head } = await send(Number(port), raw);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (!samples.has(status)) samples.set(status, `${raw.subarray(0, 200).toString('latin1')}\n=> ${head}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { statuses, samples };
}

describe('daemon process: hostile input (fuzz)', function () {
  this.timeout(180_000);

  it(`${REQUESTS} random requests: no 5xx, no crash, one JSON object per log line, no input in logs or labels, bounded series`, async () => {
    const daemon = await spawnDaemon({ load: true, env: { ...UNLIMITED, PETSAGE_SMOKE_INTERVAL: '0' } });
    const metricsText = async () => (await fetch(`${daemon.url}/metrics`)).text();
    const { statuses, samples } = await fuzz(daemon, 20261122, REQUESTS);
    const summary = [...statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ');
    process.stdout.write(`      fuzz: ${REQUESTS} requests; status counts ${summary}\n`);

    const serverErrors = [...statuses.keys()].filter((s) => s >= 500 || s === 0);
    expect(serverErrors, serverErrors.map((s) => samples.get(s)).join('\n---\n')).to.deep.equal([]);
    for (const status of [200, 400, 404, 405, 413, 415, 431])
      expect(statuses.get(status) ?? 0, `status ${status} seen`).to.be.greaterThan(0);
    expect((await fetch(`${daemon.url}/livez`)).status, 'still alive').to.equal(200);

    // Series: label values come from fixed sets (route templates, methods, codes), never from input.
    const series = seriesOf(await metricsText());
    expect(series.join('\n')).to.not.include(MARK);
    const requestSeries = series.filter((l) => l.startsWith(`${METRIC.httpDuration}_count{`));
    for (const line of requestSeries) {
      expect(line).to.match(/route="(\/[\w\-/.:{}]*|unmatched)"/);
      expect(line).to.match(/method="(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS|OTHER)"/);
      expect(line).to.match(/status="\d{3}"/);
    }
    // A second, different batch of input adds no series of a new kind.
    const before = new Set(series.map((l) => l.replace(/ [^ ]+$/, '')).filter((l) => !l.includes('status=')));
    await fuzz(daemon, 7, 1000);
    const after = seriesOf(await metricsText())
      .map((l) => l.replace(/ [^ ]+$/, ''))
      .filter((l) => !l.includes('status='));
    expect(
      after.filter((l) => !before.has(l) && !l.startsWith('nodejs_')),
      'new series',
    ).to.deep.equal([]);
    expect((await stopDaemon(daemon)).code, daemon.stderr()).to.equal(0);
    const lines = readFileSync(daemon.logFile, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).to.be.greaterThan(100);
    for (const line of lines) {
      const parsed = JSON.parse(line) as unknown; // throws on a broken line
      expect(parsed).to.be.an('object');
      expect(line).to.not.include(MARK);
    }
  });

  it('limits: a body over 4 KiB is 413, headers over 16 KiB are 431, a malformed request is 400: all JSON', async () => {
    const daemon = await spawnDaemon({ env: { ...UNLIMITED, PETSAGE_SMOKE_INTERVAL: '0' } });
    const port = Number(new URL(daemon.url).port);
    const big = Buffer.alloc(5000, 'x');
    const cases = [
      {
        raw: Buffer.concat([
          Buffer.from(
            `POST /smoke-test HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`,
          ),
          big,
        ]),
        status: 413,
      },
      { raw: Buffer.from(`GET /smoke-test HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17_000)}\r\n\r\n`), status: 431 },
      { raw: Buffer.from('GET /smoke-test HTTP/1.1\r\nBad Header: x\r\n\r\n'), status: 400 },
      { raw: Buffer.from('\u0016\u0003\u0001 not http at all\r\n\r\n'), status: 400 },
    ];
    for (const c of cases) {
      const { status, head } = await send(port, c.raw);
      expect(status, head).to.equal(c.status);
      expect(head).to.match(/content-type: application\/json/i);
      const json = JSON.parse(head.slice(head.indexOf('\r\n\r\n') + 4)) as { error: { status: number } };
      expect(json.error.status).to.equal(c.status);
    }
    await stopDaemon(daemon);
  });
});
