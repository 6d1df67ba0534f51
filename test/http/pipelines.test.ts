import { expect } from 'chai';
import request from 'supertest';
import { testService } from '../support/app';
import { scratchServer } from '../support/scratchServer';
import { configFile } from '../support/config';

const QUICK = {
  OTEL_BSP_SCHEDULE_DELAY: '20',
  PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '20ms',
  PETSAGE_SMOKE_INTERVAL: '0',
};
describe('pipelines: several paths proven from one daemon', () => {
  it('every answer says which pipeline: the run, its receipt, /healthz (each and overall) and the counter series', async () => {
    const svc = testService({ env: QUICK, file: configFile('pipelines:\n  team-a: {}\n') });
    const app = svc.app.callback();
    const run = (await request(app).get('/smoke-test?pipeline=team-a').expect(200)).body;
    expect([run.pipeline, run.seq]).to.deep.equal(['team-a', 1]);
    const gate = await request(app).post('/smoke-test').send({ pipeline: 'team-a', wait: true }).expect(200);
    expect(JSON.parse(gate.text)).to.include({ pipeline: 'team-a', outcome: 'verified' });
    expect((await request(app).get('/smoke-test').expect(200)).body).to.include({ pipeline: 'default', seq: 1 });
    const health = JSON.parse((await request(app).get('/healthz').expect(200)).text);
    expect(health.pipelines).to.have.keys('default', 'team-a');
    expect(health.checks['trace:verification'].map((c: { pipeline: string }) => c.pipeline)).to.deep.equal([
      'default',
      'team-a',
    ]);
    const metrics = (await request(app).get('/metrics')).text;
    expect(metrics).to.match(
      /petsage_smoke_runs_total\{trigger="api",outcome="success",pipeline="team-a",process_id="[0-9a-f]{16}"\} 1/,
    );
    expect(metrics).to.match(
      /petsage_smoke_runs_total\{trigger="api",outcome="success",pipeline="default",process_id="[0-9a-f]{16}"\} 0/,
    );
    const page = (await request(app).get('/status').expect(200)).text;
    expect(page).to.include('<h2 id="p-team-a">Pipeline team-a');
    expect(page).to.include('id="signal-team-a-trace"');
  });

  it("isolation: a pipeline whose store hangs takes its own room and polls, never another's verdicts", async () => {
    // A Prometheus-compatible store that never answers: the broken pipeline's metric read-back waits on it.
    const hung = await scratchServer(() => undefined);
    const svc = testService({
      env: QUICK,
      file: configFile(
        [
          'pipelines:',
          '  broken:',
          `    verify: { maxPending: 20, timeout: 60s, metrics: { prometheusUrl: "${hung.url}", timeout: 60s } }`,
          '  healthy: {}',
        ].join('\n'),
      ),
    });
    const app = svc.app.callback();
    const broken = await Promise.all(
      Array.from({ length: 40 }, () => request(app).get('/smoke-test?pipeline=broken').expect(200)),
    );
    const over = broken.filter((r) => svc.runs.get(r.body.run_id)?.verdicts.metric?.reason === 'over_capacity');
    expect(over, 'the broken pipeline is full past its own room').to.have.length(20);
    const gates = await Promise.all(
      Array.from({ length: 5 }, () => request(app).post('/smoke-test').send({ pipeline: 'healthy', wait: true })),
    );
    expect(gates.map((g) => [g.status, JSON.parse(g.text).outcome])).to.deep.equal(Array(5).fill([200, 'verified']));
    const healthy = await request(app).get('/smoke-test?pipeline=healthy').expect(200);
    expect((await svc.runs.get(healthy.body.run_id)!.settled).status).to.equal('verified');
    await hung.close();
  });

  it("each pipeline's counter interval is its own (a push's, else the scrape's); the lag buckets hold each one's bound", async () => {
    const svc = testService({
      env: QUICK,
      file: configFile(
        [
          'pipelines:',
          '  pushed:',
          '    metrics: { otlp: { exporter: otlp, endpoint: "http://127.0.0.1:9", interval: 60s } }',
          '    verify: { metrics: { prometheusUrl: "http://127.0.0.1:9" } }',
          '  scraped: {}',
        ].join('\n'),
      ),
    });
    const text = await svc.registry.metrics();
    expect(text).to.include('petsage_smoke_scrape_interval_seconds{pipeline="pushed"} 60');
    expect(text).to.include('petsage_smoke_scrape_interval_seconds{pipeline="scraped"} 15');
    // The metric lag alert fires above 1.5x the pipeline's interval: each pipeline's must be a bucket bound.
    expect(text).to.match(/petsage_smoke_signal_lag_seconds_bucket\{le="90",pipeline="scraped",signal="metric"\}/);
    expect(text).to.match(/petsage_smoke_signal_lag_seconds_bucket\{le="22.5",pipeline="pushed",signal="metric"\}/);
  });

  it('/-/suspend and /-/resume act on every pipeline and answer for the schedules there are', async () => {
    const svc = testService({
      env: QUICK, // no schedule but the hourly one's
      file: configFile(['pipelines:', '  hourly: { schedule: { interval: 1h } }', '  off: {}'].join('\n')),
    });
    const app = svc.app.callback();
    await request(app).post('/-/suspend').expect(200, { schedule: 'suspended' });
    expect(Object.fromEntries(svc.pipelines.map((p) => [p.name, p.scheduler.state]))).to.deep.equal({
      default: 'disabled',
      hourly: 'suspended',
      off: 'disabled',
    });
    await request(app).post('/-/resume').expect(200, { schedule: 'running' });
  });
});

describe('pipelines: a name that is not one of ours', () => {
  it('GET and POST /smoke-test: 404 for a well-formed name we do not have, 400 for a malformed one; no run is made', async () => {
    const svc = testService({ env: QUICK, file: configFile('pipelines:\n  team-a: {}\n') });
    const app = svc.app.callback();
    const missing = await request(app).get('/smoke-test?pipeline=team-b').expect(404);
    expect(missing.body.error.message).to.equal('no such pipeline; GET /healthz lists them');
    await request(app).post('/smoke-test').send({ pipeline: 'team-b' }).expect(404);
    const malformed = await request(app).get('/smoke-test?pipeline=Team%20B').expect(400);
    expect(malformed.body.error.message).to.equal(
      'a pipeline name is 1-32 lower-case letters, digits, _ and - (starting with a letter)',
    );
    expect((await request(app).get('/smoke-test?pipeline=team-a').expect(200)).body.seq, 'the first run').to.equal(1);
  });
});
