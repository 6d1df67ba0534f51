import { expect } from 'chai';
import { connect, OPEN_CONNECTION } from '../../src/readers/connection';
import { lokiReader } from '../../src/readers/loki';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import type { SmokeRun } from '../../src/smoke/types';
import { EVENT } from '../../src/vocabulary';
import { fakePorts, readOnce } from '../support/fakes';
import { scratchServer } from '../support/scratchServer';

// Later than every run here: the window ends a minute after now (or after the newest run, were the clock behind).
const NOW = Date.now() + 3_600_000;
const SELECTOR = '{service_name="petsage-smoke"}';

/** A stand-in for query_range that answers `result` and keeps the parameters of each query. */
async function queryRange(result: unknown[], now = () => NOW) {
  const asked: Record<string, string>[] = [];
  const server = await scratchServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    asked.push({ path: url.pathname, ...Object.fromEntries(url.searchParams) });
    res
      .setHeader('Content-Type', 'application/json')
      .end(JSON.stringify({ status: 'success', data: { resultType: 'streams', result } }));
  });
  const reader = (match: 'metadata' | 'line') =>
    lokiReader({
      connection: connect(server.url, OPEN_CONNECTION, 'verify.log.loki'),
      selector: SELECTOR,
      match,
      now,
    });
  return { asked, reader };
}

describe('loki: verification lines read back by trace id', () => {
  const runner = createSmokeRunner(fakePorts().ports);
  const runs: SmokeRun[] = Array.from({ length: 4 }, () => runner('schedule'));
  const ns = (ms: number) => `${ms}000000`;

  it('one forward query over the time since the oldest run, by trace id as structured metadata', async () => {
    const [a, b] = runs as [SmokeRun, SmokeRun];
    const loki = await queryRange([
      { stream: { service_name: 'petsage-smoke' }, values: [[ns(NOW), '{"msg":"x"}', { trace_id: a.traceId }]] },
    ]);
    const hits = await readOnce(loki.reader('metadata'), [a, b]);
    expect([...hits]).to.deep.equal([[a.id, 'found']]);
    expect(loki.asked).to.deep.equal([
      {
        path: '/loki/api/v1/query_range',
        query: `${SELECTOR} | trace_id=~"${a.traceId}|${b.traceId}"`,
        start: ns(Math.min(a.startedAt.getTime(), b.startedAt.getTime()) - 60_000),
        end: ns(NOW + 60_000),
        direction: 'forward',
        limit: '8',
      },
    ]);
  });

  it('a clock stepped back: the window still ends a minute after the newest run, never before it', async () => {
    const [a, b] = runs as [SmokeRun, SmokeRun];
    const loki = await queryRange([], () => a.startedAt.getTime() - 3_600_000);
    await readOnce(loki.reader('metadata'), [a, b]);
    expect(loki.asked[0]!.end).to.equal(ns(b.startedAt.getTime() + 60_000));
  });

  it('shipped lines: the trace id from a stream label or from the verification line itself; other lines are ignored', async () => {
    const [a, b, c, d] = runs as [SmokeRun, SmokeRun, SmokeRun, SmokeRun];
    const line = (run: SmokeRun) => JSON.stringify({ event: EVENT.verification, trace_id: run.traceId });
    const loki = await queryRange([
      { stream: { trace_id: a.traceId }, values: [[ns(NOW), 'no id in this text']] },
      {
        stream: {},
        values: [
          [ns(NOW), line(b)],
          [ns(NOW), JSON.stringify({ event: 'other', trace_id: c.traceId })],
        ],
      },
      { stream: {} },
    ]);
    const hits = await readOnce(loki.reader('line'), [a, b, c, d]);
    expect([...hits.keys()]).to.deep.equal([a.id, b.id]);
    expect(loki.asked[0]!.query).to.equal(`${SELECTOR} |~ "${[a, b, c, d].map((r) => r.traceId).join('|')}"`);
  });

  it('a spot check asks about one run, from its start to its verification; an answer without data finds nothing', async () => {
    const [a] = runs as [SmokeRun];
    const verifiedAtMs = a.startedAt.getTime() + 5000;
    const empty = await queryRange([]);
    expect(await empty.reader('metadata').recheck!(a, verifiedAtMs, AbortSignal.timeout(5000))).to.equal(false);
    expect(empty.asked[0]).to.include({
      start: ns(a.startedAt.getTime() - 60_000),
      end: ns(verifiedAtMs + 60_000),
      limit: '4',
    });
  });

  it('fifty trace ids per query: a larger wait is read in batches, each over the time since its own oldest run', async () => {
    const many = Array.from({ length: 51 }, () => runner('schedule'));
    const loki = await queryRange([]);
    await readOnce(loki.reader('metadata'), many);
    expect(loki.asked.map((q) => q.query!.split('|').length - 1)).to.deep.equal([50, 1]);
    expect(loki.asked[1]!.start).to.equal(ns(many[50]!.startedAt.getTime() - 60_000));
  });
});

describe('loki: answers at the edges', () => {
  const runner = createSmokeRunner(fakePorts().ports);
  const ns = (ms: number) => `${ms}000000`;
  const outcomeOf = (reading: Promise<Map<string, unknown>>) =>
    reading.then(
      (hits) => [...hits.values()],
      (err: Error & { kind?: string }) => `${err.kind ?? err.name}: ${err.message}`,
    );

  it('at most the lines asked for (four per run): exactly that many is an answer, one more is malformed', async () => {
    const [a] = [runner('schedule')] as [SmokeRun];
    const values = (n: number) => Array.from({ length: n }, () => [ns(NOW), 'x', { trace_id: a.traceId }]);
    const full = await queryRange([{ stream: {}, values: values(4) }]);
    expect(await outcomeOf(readOnce(full.reader('metadata'), [a]))).to.deep.equal(['found']);
    const over = await queryRange([
      { stream: {}, values: values(2) },
      { stream: {}, values: values(3) },
    ]);
    expect(await outcomeOf(readOnce(over.reader('metadata'), [a]))).to.equal(
      'malformed: the answer holds more than the 4 lines asked for',
    );
  });

  it('streams without labels, null streams, values that are not lines: nothing found, nothing thrown', async () => {
    const [a] = [runner('schedule')] as [SmokeRun];
    const loki = await queryRange([
      null,
      { values: [[ns(NOW), JSON.stringify({ event: EVENT.verification, trace_id: a.traceId })]] },
      { stream: {}, values: [[ns(NOW), 12345], 'not a pair'] },
    ]);
    expect(await outcomeOf(readOnce(loki.reader('line'), [a])), 'the labelless stream still counts').to.deep.equal([
      'found',
    ]);
  });

  it('names itself and what it asks', async () => {
    const loki = await queryRange([]);
    const reader = loki.reader('metadata');
    expect(reader.backend).to.equal('loki');
    expect(reader.asked).to.match(
      /^http:\/\/127\.0\.0\.1:\d+\/loki\/api\/v1\/query_range for \{service_name="petsage-smoke"\} \| trace_id=~"<trace id>"$/,
    );
  });
});
