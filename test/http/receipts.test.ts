import { expect } from 'chai';
import request from 'supertest';
import { HEALTH_CONTENT_TYPE } from '../../src/http/types';
import { METRIC } from '../../src/vocabulary';
import { testService } from '../support/app';
import { scratchServer } from '../support/scratchServer';

/** A Prometheus query API that knows no series: every instant query answers an empty vector. */
async function emptyPrometheus() {
  let asked: () => void = () => {};
  const firstQuery = new Promise<void>((resolve) => (asked = resolve));
  const server = await scratchServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    asked();
  });
  return { ...server, asked: firstQuery };
}

describe('POST /smoke-test and receipts', () => {
  it('wait=true answers 200 with a health+json receipt once trace and metric are read back', async () => {
    const { app } = testService({ env: { OTEL_BSP_SCHEDULE_DELAY: '20' } }); // a batch delay that ends within the test
    const res = await request(app.callback()).post('/smoke-test').send({ id: 'deploy-4f2a9c1', wait: true });
    expect(res.status, res.text).to.equal(200);
    expect(res.headers['content-type']).to.include(HEALTH_CONTENT_TYPE);
    const receipt = JSON.parse(res.text) as {
      status: string;
      outcome: string;
      run_id: string;
      checks: Record<string, { status: string; outcome: string; backend?: string; observedUnit?: string }[]>;
    };
    expect(receipt).to.include({ status: 'pass', outcome: 'verified', run_id: 'deploy-4f2a9c1' });
    expect(receipt.checks['trace:verification']![0]).to.include({
      status: 'pass',
      outcome: 'verified',
      backend: 'exporter',
      observedUnit: 's',
    });
    expect(receipt.checks['metric:verification']![0]).to.include({
      status: 'pass',
      outcome: 'verified',
      backend: 'self',
    });
    // The in-memory log is not read back in this harness; the process tests read the real file.
    expect(receipt.checks['log:verification']![0]).to.include({ outcome: 'skipped' });

    const again = await request(app.callback()).get('/smoke-test/deploy-4f2a9c1').expect(200);
    expect(JSON.parse(again.text)).to.deep.include({ run_id: 'deploy-4f2a9c1', outcome: 'verified' });
    const metrics = await request(app.callback()).get('/metrics').expect(200);
    expect(metrics.text).to.match(
      new RegExp(`${METRIC.runs}\\{trigger="api",outcome="success",pipeline="default",process_id="[0-9a-f]{16}"\\} 1`),
    );
    expect(metrics.text).to.match(
      new RegExp(`${METRIC.verifications}\\{pipeline="default",signal="metric",outcome="verified",reason="none"\\} 1`),
    );
    expect(metrics.text).to.match(new RegExp(`${METRIC.lag}_count\\{pipeline="default",signal="trace"\\} 1`));
  });

  it('without wait: 202 with the run and a Location for its receipt (pending at first)', async () => {
    const { app } = testService();
    const res = await request(app.callback()).post('/smoke-test').expect(202);
    expect(res.headers.location).to.equal(`/smoke-test/${res.body.run_id}`);
    expect(res.body.receipt).to.equal(res.headers.location);
    const receipt = await request(app.callback())
      .get(res.headers.location as string)
      .expect(200);
    const body = JSON.parse(receipt.text) as { status: string; checks: Record<string, { output?: string }[]> };
    expect(body.status).to.equal('warn');
    expect(body.checks['metric:verification']![0]!.output).to.equal('pending');
  });

  it('a failing signal makes a waiting deploy gate fail: 502 names the signal, reason and backend', async () => {
    const { app } = testService({
      env: { PETSAGE_SMOKE_VERIFY_TIMEOUT: '300ms', PETSAGE_SMOKE_PROMETHEUS_URL: 'http://127.0.0.1:9' },
    }); // nothing listens there
    const res = await request(app.callback()).post('/smoke-test').send({ wait: true });
    expect(res.status).to.equal(502);
    const body = JSON.parse(res.text) as {
      status: string;
      checks: Record<string, { outcome: string; reason: string; backend: string }[]>;
    };
    expect(body.status).to.equal('fail');
    expect(body.checks['metric:verification']![0]).to.include({
      outcome: 'error',
      reason: 'unreachable',
      backend: 'prometheus',
    });
  });

  it('with a token set, the metric is still read back from the daemon itself (its own exposition, not through the guarded /metrics)', async () => {
    const { app } = testService({
      env: { PETSAGE_SMOKE_AUTH_TOKEN: 'a-token-for-this-test', OTEL_BSP_SCHEDULE_DELAY: '20' },
    });
    await request(app.callback()).get('/metrics').expect(401);
    const res = await request(app.callback())
      .post('/smoke-test')
      .set('authorization', 'Bearer a-token-for-this-test')
      .send({ wait: true });
    expect(res.status, res.text).to.equal(200);
    const receipt = JSON.parse(res.text) as { checks: Record<string, { outcome: string; backend?: string }[]> };
    expect(receipt.checks['metric:verification']![0]).to.include({ outcome: 'verified', backend: 'self' });
  });

  it('a signal never found makes a waiting deploy gate time out: 504 names the signal, reason and backend', async () => {
    const prometheus = await emptyPrometheus();
    const { app } = testService({
      env: { PETSAGE_SMOKE_VERIFY_TIMEOUT: '300ms', PETSAGE_SMOKE_PROMETHEUS_URL: prometheus.url },
    });
    const res = await request(app.callback()).post('/smoke-test').send({ wait: true });
    expect(res.status, res.text).to.equal(504);
    const body = JSON.parse(res.text) as {
      status: string;
      outcome: string;
      checks: Record<string, { outcome: string; reason: string; backend: string }[]>;
    };
    expect(body).to.include({ status: 'fail', outcome: 'timeout' });
    expect(body.checks['metric:verification']![0]).to.include({
      outcome: 'missing',
      reason: 'not_found',
      backend: 'prometheus',
    });
  });

  it('a trace that the trace API (traces.queryUrl) never finds is a run verdict: missing, not_found, after asking by id', async () => {
    const traces = await scratchServer((_req, res) =>
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"trace not found"}'),
    );
    const { app } = testService({
      env: {
        PETSAGE_SMOKE_VERIFY_TIMEOUT: '400ms',
        PETSAGE_SMOKE_TRACES_QUERY_URL: traces.url,
        OTEL_BSP_SCHEDULE_DELAY: '20',
      },
    });
    const res = await request(app.callback()).post('/smoke-test').send({ wait: true });
    expect(res.status, res.text).to.equal(504);
    const receipt = JSON.parse(res.text) as {
      run_id: string;
      checks: Record<string, { outcome: string; reason: string; backend: string }[]>;
    };
    expect(receipt.checks['trace:verification']![0]).to.include({
      outcome: 'missing',
      reason: 'not_found',
      backend: 'trace_api',
    });
    expect(traces.requests.length).to.be.above(0);
    for (const r of traces.requests) expect(r.url).to.equal(`/api/traces/${receipt.run_id}`); // the run id is the trace id
  });

  it("the metric is looked up by this process's id and its pipeline, and verify.metrics.selector when one is set", async () => {
    for (const [selector, matchers] of [
      ['job="petsage-smoke",pod="smoke-0"', 'pipeline="default",job="petsage-smoke",pod="smoke-0"'],
      ['', 'pipeline="default"'],
    ] as const) {
      const prometheus = await emptyPrometheus();
      const { app, telemetry } = testService({
        env: {
          PETSAGE_SMOKE_VERIFY_TIMEOUT: '200ms',
          PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '20ms',
          PETSAGE_SMOKE_PROMETHEUS_URL: prometheus.url,
          PETSAGE_SMOKE_METRICS_SELECTOR: selector,
        },
      });
      await request(app.callback()).post('/smoke-test').send({ wait: true });
      const queries = prometheus.requests.map((r) => new URL(r.url ?? '', 'http://x').searchParams.get('query'));
      expect(queries.length, selector).to.be.above(0);
      const expected = `max(sum without (trigger, outcome) (petsage_smoke_runs_total{process_id="${telemetry.processId}",${matchers}}))`;
      expect(new Set(queries), selector).to.deep.equal(new Set([expected]));
    }
  });

  it('a metric not found names the query asked, and the scrapes of /metrics this daemon refused for the token', async () => {
    const token = 'a-test-token-of-32-characters-xx';
    const prometheus = await emptyPrometheus();
    const { app } = testService({
      env: {
        PETSAGE_SMOKE_AUTH_TOKEN: token,
        PETSAGE_SMOKE_VERIFY_TIMEOUT: '300ms',
        PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '20ms',
        PETSAGE_SMOKE_PROMETHEUS_URL: prometheus.url,
      },
    });
    await request(app.callback()).get('/metrics').expect(401); // Prometheus, its token not set yet
    // Not a refusal for the token: a bad name asked with it is not counted.
    await request(app.callback()).get('/metrics?name=1bad').set('Authorization', `Bearer ${token}`).expect(400);
    const res = await request(app.callback())
      .post('/smoke-test')
      .set('Authorization', `Bearer ${token}`)
      .send({ wait: true });
    const metric = JSON.parse(res.text).checks['metric:verification'][0];
    expect(metric).to.include({ outcome: 'missing', reason: 'not_found', backend: 'prometheus' });
    expect(metric.output).to.match(
      /^not_found: 1 scrape\(s\) of \/metrics refused \(401\), the last \d+ s ago: give Prometheus the bearer token \(its authorization\); asked http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query for max\(sum without \(trigger, outcome\) \(petsage_smoke_runs_total\{process_id="<this process>",pipeline="default"\}\)\)$/,
    );
  });

  it('a deploy gate still waiting when shutdown begins gets 503, unverified, and nothing is counted as failed', async () => {
    const prometheus = await emptyPrometheus();
    const service = testService({
      env: { PETSAGE_SMOKE_VERIFY_TIMEOUT: '30s', PETSAGE_SMOKE_PROMETHEUS_URL: prometheus.url },
    });
    const answer = request(service.app.callback())
      .post('/smoke-test')
      .send({ wait: true })
      .then((r) => r);
    await prometheus.asked; // the run is awaiting its metric
    await service.stop('test');
    const res = await answer;
    expect(res.status, res.text).to.equal(503);
    expect(JSON.parse(res.text)).to.include({ outcome: 'unverified' });
    expect(await service.registry.metrics()).to.not.match(/outcome="(missing|error)",reason="[a-z_]+"\} [1-9]/);
  });

  it('rejects bad run requests with 4xx JSON that says what to send', async () => {
    const { app } = testService();
    const badId = 'a run id is 1-128 characters: letters, digits and . _ : - (starting with a letter or digit)';
    const cases: [string, string, number, string][] = [
      ['{"id": "bad id with spaces"}', 'application/json', 400, badId],
      ['{"id": "x\\r\\ninjected"}', 'application/json', 400, badId],
      ['{"id": 5}', 'application/json', 400, badId],
      ['{"wait": "yes"}', 'application/json', 400, '"wait" must be true or false'],
      ['{"unknown": 1}', 'application/json', 400, 'unknown field; the body takes "id", "wait" and "pipeline"'],
      ['[1, 2]', 'application/json', 400, 'the body must be a JSON object such as {"id": "deploy-1234", "wait": true}'],
      ['{not json', 'application/json', 400, 'the body is not valid JSON'],
      ['id=1', 'application/x-www-form-urlencoded', 415, 'send the body as application/json (or no body)'],
      [`{"id": "${'a'.repeat(5000)}"}`, 'application/json', 413, 'the body may be at most 4096 bytes'],
    ];
    for (const [body, type, status, message] of cases) {
      const res = await request(app.callback()).post('/smoke-test').set('Content-Type', type).send(body);
      expect([res.status, res.body.error.status, res.body.error.message], body.slice(0, 40)).to.deep.equal([
        status,
        status,
        message,
      ]);
    }
  });

  it('a caller id can be used once (409 after), receipts 404 for unknown ids and 400 for malformed ones', async () => {
    const { app } = testService();
    await request(app.callback()).post('/smoke-test').send({ id: 'release-7' }).expect(202);
    const messageOf = async (test: request.Test, status: number) =>
      ((await test.expect(status)).body as { error: { message: string } }).error.message;
    expect(await messageOf(request(app.callback()).post('/smoke-test').send({ id: 'release-7' }), 409)).to.equal(
      'a run with this id was made already; pick a new id (its receipt may still be kept)',
    );
    expect(await messageOf(request(app.callback()).get('/smoke-test/release-8'), 404)).to.equal(
      'no such run (only the most recent runs are kept)',
    );
    expect(await messageOf(request(app.callback()).get('/smoke-test/..%2Fetc'), 400)).to.equal('malformed run id');
    await request(app.callback()).get('/smoke-test/%E0%A4%A').expect(400);
  });
});

describe('schedule control', () => {
  it('POST /-/suspend and /-/resume pause and resume the schedule', async () => {
    const { app, scheduler } = testService({ env: { PETSAGE_SMOKE_INTERVAL: '1h' } });
    try {
      await request(app.callback()).post('/-/suspend').expect(200, { schedule: 'suspended' });
      expect(scheduler.state).to.equal('suspended');
      await request(app.callback()).post('/-/resume').expect(200, { schedule: 'running' });
      await request(app.callback()).get('/-/resume').expect(405);
    } finally {
      scheduler.stop();
    }
  });
});
