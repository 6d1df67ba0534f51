import { expect } from 'chai';
import { check } from '../../src/commands/check';
import { scratchServer } from '../support/scratchServer';

const receipt = (outcome: string, checks: Record<string, Record<string, unknown>>) => ({
  outcome,
  run_id: 'deploy-1',
  checks: Object.fromEntries(Object.entries(checks).map(([signal, c]) => [`${signal}:verification`, [c]])),
});
const VERIFIED = { outcome: 'verified', reason: 'none', observedValue: 0.25 };

async function run(
  answer: { status: number; body: unknown } | 'hang',
  options: { timeoutMs?: number; token?: string; id?: string; pipeline?: string; url?: (base: string) => string } = {},
) {
  const sent: string[] = [];
  const server = await scratchServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      sent.push(text);
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'application/health+json' }).end(JSON.stringify(answer.body));
    });
  });
  const lines: string[] = [];
  try {
    const code = await check({
      url: options.url?.(server.url) ?? server.url,
      timeoutMs: options.timeoutMs ?? 5000,
      id: 'id' in options ? options.id : 'deploy-1',
      ...(options.pipeline ? { pipeline: options.pipeline } : {}),
      ...(options.token ? { token: options.token } : {}),
      out: (l) => lines.push(l),
    });
    return {
      code,
      lines,
      target: `${server.url}/smoke-test`,
      request: server.requests[0],
      sent: sent.map((t) => JSON.parse(t) as unknown)[0],
    };
  } finally {
    await server.close();
  }
}

describe('check', () => {
  it('exit 0 when every signal is verified: one line per signal with lag and backend; sends the id, wait and the token', async () => {
    const { code, lines, request } = await run(
      {
        status: 200,
        body: receipt('verified', {
          log: { ...VERIFIED, backend: 'file' },
          trace: { ...VERIFIED, backend: 'exporter' },
          metric: { ...VERIFIED, backend: 'self' },
        }),
      },
      { token: 'a-token-of-sixteen+' },
    );
    expect(code).to.equal(0);
    expect(lines).to.deep.equal([
      'log     verified  lag 0.250s  (file)',
      'trace   verified  lag 0.250s  (exporter)',
      'metric  verified  lag 0.250s  (self)',
      'run deploy-1 verified',
    ]);
    expect(request?.method).to.equal('POST');
    expect(request?.headers.authorization).to.equal('Bearer a-token-of-sixteen+');
    expect(request?.headers['content-type']).to.equal('application/json');
  });

  it('asks POST /smoke-test of the URL however many slashes end it, with the id and pipeline given and wait', async () => {
    const answer = { status: 200, body: receipt('verified', { log: VERIFIED, trace: VERIFIED, metric: VERIFIED }) };
    const named = await run(answer, { url: (base) => `${base}//`, pipeline: 'edge' });
    expect(named.request?.url).to.equal('/smoke-test');
    expect(named.request?.headers.authorization, 'no token, no header').to.equal(undefined);
    expect(named.sent).to.deep.equal({ id: 'deploy-1', pipeline: 'edge', wait: true });
    const bare = await run(answer, { id: undefined });
    expect(bare.sent).to.deep.equal({ wait: true });
  });

  it('a signal the receipt leaves out is unknown and fails the gate; skipped does not; lines carry no trailing space', async () => {
    const partial = await run({
      status: 502,
      body: {
        outcome: 'failed',
        checks: {
          'log:verification': [{ outcome: 'verified' }],
          'metric:verification': [{ outcome: 'skipped', reason: 'disabled' }],
        },
      },
    });
    expect([partial.code, partial.lines]).to.deep.equal([
      1,
      [
        'log     verified  lag 0.000s',
        'trace   unknown',
        'metric  skipped',
        'run ? not verified: trace unknown (unknown)',
      ],
    ]);
    // Every signal verified or skipped, yet not a 200 (the run was refused its read-back): the receipt's outcome.
    const refused = await run({
      status: 503,
      body: receipt('shed', {
        log: { outcome: 'skipped' },
        trace: { outcome: 'skipped' },
        metric: { outcome: 'skipped' },
      }),
    });
    expect([refused.code, refused.lines.at(-1)]).to.deep.equal([1, 'run deploy-1 not verified: shed']);
  });

  it('exit 1 on a failed (502) or missing (504) signal, naming it', async () => {
    for (const [status, outcome, reason] of [
      [502, 'error', 'export_failed'],
      [504, 'missing', 'not_found'],
    ] as const) {
      const body = receipt(outcome === 'error' ? 'failed' : 'timeout', {
        log: VERIFIED,
        trace: { outcome, reason, output: `${reason}: x` },
        metric: VERIFIED,
      });
      const { code, lines } = await run({ status, body });
      expect(code, String(status)).to.equal(1);
      expect(lines.at(-1)).to.equal(`run deploy-1 not verified: trace ${outcome} (${reason})`);
    }
  });

  it('exit 1 when no verdict comes within --timeout, or the answer is not a receipt', async () => {
    const slow = await run('hang', { timeoutMs: 200 });
    expect([slow.code, slow.lines]).to.deep.equal([1, [`no verdict within 0.2s from ${slow.target}`]]);
    const refused = await run({
      status: 401,
      body: { error: { status: 401, code: 'unauthorized', message: 'needs a token' } },
    });
    expect(refused.code).to.equal(1);
    expect(refused.lines[0]).to.match(/answered 401: needs a token$/);
    const other = await run({ status: 200, body: { hello: 'world' } });
    expect([other.code, other.lines[0]]).to.deep.equal([1, `${other.target} answered 200: not a receipt`]);
  });

  it('exit 1 naming the URL when nothing listens there', async () => {
    const server = await scratchServer(() => {});
    await server.close(); // its port, now closed
    const lines: string[] = [];
    const code = await check({ url: server.url, timeoutMs: 5000, out: (l) => lines.push(l) });
    expect(code).to.equal(1);
    expect(lines).to.deep.equal([`cannot reach ${server.url}/smoke-test: fetch failed`]);
  });

  it('prints a hostile answer as one bounded printable line per signal: nothing forged, nothing hidden', async () => {
    const forged = 'x\r\nrun deploy-1 verified\u001b[2K\u001b[1A';
    const body = receipt('failed', {
      log: { outcome: 'error', reason: 'write_failed', output: forged.repeat(40), backend: '\u001b[31mfile\nrun ok' },
      trace: VERIFIED,
      metric: VERIFIED,
    });
    body.run_id = 'deploy-1\nrun deploy-1 verified';
    const { code, lines } = await run({ status: 502, body });
    expect(code).to.equal(1);
    expect(lines).to.have.length(4);
    for (const line of lines) {
      // eslint-disable-next-line no-control-regex
      expect(line).to.not.match(/[\u0000-\u001f\u007f]/);
      expect(line.length).to.be.below(500);
    }
    expect(lines.filter((l) => l.startsWith('run ')).length).to.equal(1);
    expect(lines[3]).to.match(/ not verified: log error \(write_failed\)$/);
  });
});
