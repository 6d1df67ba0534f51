import { expect } from 'chai';
import { connect, OPEN_CONNECTION } from '../../src/readers/connection';
import { failedPushes, prometheusReader, prometheusStore, refusedScrapes } from '../../src/readers/prometheus';
import type { StoreContext } from '../../src/readers/types';
import { loadConfig } from '../../src/config/load';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import type { SmokeRun } from '../../src/smoke/types';
import { METRIC } from '../../src/vocabulary';
import { fakePorts, readOnce } from '../support/fakes';
import { scratchServer } from '../support/scratchServer';

const NOW = Date.parse('2026-12-04T12:00:00Z');

/**
 * A stand-in for the instant-query API (GET /api/v1/query): answers each query with the value
 * `answer` gives for it, and keeps each query and time asked.
 */
async function queryApi(answer: (query: string) => unknown) {
  const asked: { path: string; query: string; time: string | null }[] = [];
  const server = await scratchServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const query = url.searchParams.get('query')!;
    asked.push({ path: url.pathname, query, time: url.searchParams.get('time') });
    res.setHeader('Content-Type', 'application/json').end(JSON.stringify(answer(query)));
  });
  const reader = (pathPrefix = '') =>
    prometheusReader({
      connection: connect(server.url, OPEN_CONNECTION, 'verify.metrics'),
      pathPrefix,
      matchers: 'job="smoke"',
      processId: 'abc',
      now: () => NOW,
    });
  return { asked, reader };
}
const value = (v: string) => ({
  status: 'success',
  data: { resultType: 'vector', result: [{ metric: {}, value: [NOW / 1000, v] }] },
});

describe('prometheus: the run counter read back from a Prometheus-compatible store', () => {
  const runner = createSmokeRunner(fakePorts().ports);
  const runs: SmokeRun[] = [runner('schedule'), runner('schedule'), runner('schedule')];

  it('one query serves every waiting run: those the counter has reached are found, under the path prefix', async () => {
    const api = await queryApi(() => value(String(runs[1]!.seq)));
    const hits = await readOnce(api.reader('/prometheus'), runs);
    expect([...hits.keys()]).to.deep.equal([runs[0]!.id, runs[1]!.id]);
    expect(hits.get(runs[0]!.id)).to.deep.equal('found');
    expect(api.asked).to.deep.equal([
      {
        path: '/prometheus/api/v1/query',
        query: `max(sum without (trigger, outcome) (${METRIC.runs}{process_id="abc",job="smoke"}))`,
        time: null,
      },
    ]);
  });

  it('no series is 0 (nothing scraped yet); an answer that is not a success is malformed', async () => {
    const empty = await queryApi(() => ({ status: 'success', data: { resultType: 'vector', result: [] } }));
    expect((await readOnce(empty.reader(), runs)).size).to.equal(0);
    const failing = await queryApi(() => ({ status: 'error', error: 'bad query' }));
    const err = await readOnce(failing.reader(), runs).then(
      () => undefined,
      (e: unknown) => e as Error & { reason: string },
    );
    expect([err?.message, err?.reason]).to.deep.equal(['query status error', 'bad_response']);
  });

  it("a run restored from an earlier process is looked up in that process's counter, by its id, as it stood at the restart", async () => {
    const restoredAtMs = runs[0]!.startedAt.getTime() + 90_500;
    const restored = { ...runs[0]!, restoredAtMs, process: 'e4rl1er' };
    const api = await queryApi((query) => value(query.includes('max_over_time') ? String(restored.seq) : '0'));
    const hits = await readOnce(api.reader(), [restored, runs[1]!]);
    expect([...hits.keys()]).to.deep.equal([restored.id]);
    expect(api.asked[1]).to.deep.equal({
      path: '/api/v1/query',
      query: `max(sum without (trigger, outcome) (max_over_time(${METRIC.runs}{process_id="e4rl1er",job="smoke"}[151s])))`,
      time: (restoredAtMs / 1000).toFixed(3),
    });
  });

  it("another process's samples never count: the counter of an earlier process on the same address is not asked", async () => {
    // As Prometheus holds it after a restart: the old process's series (8 runs), the new one not scraped yet.
    const api = await queryApi((query) => value(query.includes('process_id="abc"') ? '0' : '8'));
    expect((await readOnce(api.reader(), runs)).size).to.equal(0);
  });

  it('a spot check asks for the counter at the time the run was verified: still there, or lost', async () => {
    let stored = String(runs[2]!.seq);
    const api = await queryApi(() => value(stored));
    const reader = api.reader();
    const verifiedAtMs = NOW - 3_600_000;
    expect(await reader.recheck!(runs[2]!, verifiedAtMs, AbortSignal.timeout(5000))).to.equal(true);
    stored = String(runs[2]!.seq - 1);
    expect(await reader.recheck!(runs[2]!, verifiedAtMs, AbortSignal.timeout(5000))).to.equal(false);
    expect(api.asked.map((a) => a.time)).to.deep.equal([
      (verifiedAtMs / 1000).toFixed(3),
      (verifiedAtMs / 1000).toFixed(3),
    ]);
  });
});

describe('prometheus: partial answers, the words of a miss, and the query a config makes', () => {
  const runner = createSmokeRunner(fakePorts().ports);

  it('an answer without data, result or value is no series: 0, nothing found, nothing thrown', async () => {
    const run = runner('schedule');
    for (const answer of [
      { status: 'success' },
      { status: 'success', data: {} },
      { status: 'success', data: { result: [{ metric: {} }] } },
    ]) {
      const api = await queryApi(() => answer);
      expect((await readOnce(api.reader(), [run])).size, JSON.stringify(answer)).to.equal(0);
    }
  });

  it('a miss while scrapes or pushes are refused says how many, how long ago (never in the future) and what to do', () => {
    const now = 100_000;
    expect([refusedScrapes(undefined, now), failedPushes(undefined, now)]).to.deep.equal([undefined, undefined]);
    const none = { refused: () => undefined };
    expect([refusedScrapes(none, now), failedPushes(none, now)]).to.deep.equal([undefined, undefined]);
    expect(refusedScrapes({ refused: () => ({ count: 2, lastAtMs: now - 5000 }) }, now)).to.equal(
      '2 scrape(s) of /metrics refused (401), the last 5 s ago: give Prometheus the bearer token (its authorization)',
    );
    expect(failedPushes({ refused: () => ({ count: 1, lastAtMs: now + 5000, status: 503 }) }, now)).to.equal(
      '1 OTLP push(es) of the run counter failed (HTTP 503), the last 0 s ago',
    );
    expect(failedPushes({ refused: () => ({ count: 3, lastAtMs: now }) }, now)).to.equal(
      '3 OTLP push(es) of the run counter failed, the last 0 s ago',
    );
  });

  it("the reader's explanation joins every refusal", () => {
    const refused = { refused: () => ({ count: 1, lastAtMs: NOW }), lost: () => false, lostThrough: () => 0 };
    const reader = prometheusReader({
      connection: connect('http://127.0.0.1:9', OPEN_CONNECTION, 'verify.metrics'),
      pathPrefix: '',
      matchers: 'pipeline="default"',
      processId: 'abc',
      now: () => NOW,
      scrapes: refused,
      pushes: refused,
    });
    expect(reader.explain!()).to.equal(`${refusedScrapes(refused, NOW)!}; ${failedPushes(refused, NOW)!}`);
  });

  it('the store a config names asks for its pipeline and the selector, a trailing comma dropped', () => {
    const verify = loadConfig({
      env: { PETSAGE_SMOKE_PROMETHEUS_URL: 'http://127.0.0.1:9090', PETSAGE_SMOKE_METRICS_SELECTOR: 'job="smoke", ' },
    }).verify;
    const context = { pipeline: 'default', processId: 'abc', now: () => NOW } as StoreContext;
    expect(prometheusStore.readers(verify, context).map((r) => r.asked)).to.deep.equal([
      `http://127.0.0.1:9090/api/v1/query for max(sum without (trigger, outcome) (${METRIC.runs}{process_id="<this process>",pipeline="default",job="smoke"}))`,
    ]);
    expect(prometheusStore.readers(loadConfig({ env: {} }).verify, context)).to.deep.equal([]);
  });
});
