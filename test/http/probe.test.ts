import { expect } from 'chai';
import request from 'supertest';
import { probeWaitMs } from '../../src/http/routes/probe';
import { PROBE_METRIC } from '../../src/vocabulary';
import { testService } from '../support/app';
import { configFile } from '../support/config';

const QUICK = {
  OTEL_BSP_SCHEDULE_DELAY: '20',
  PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '20ms',
  PETSAGE_SMOKE_INTERVAL: '0',
};
const sample = (text: string, series: string) =>
  Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);

describe('GET /probe: a run Prometheus drives, the blackbox_exporter way', () => {
  it("waits for the run's verdict and answers Prometheus text: probe_success, its duration, and per signal success, lag and verdict", async () => {
    const { app } = testService({ env: QUICK });
    const res = await request(app.callback()).get('/probe').expect(200);
    expect(res.headers['content-type']).to.equal('text/plain; version=0.0.4; charset=utf-8');
    expect(sample(res.text, PROBE_METRIC.success)).to.equal(1);
    expect(sample(res.text, PROBE_METRIC.duration)).to.be.above(0);
    expect(sample(res.text, `${PROBE_METRIC.signalSuccess}{signal="trace"}`)).to.equal(1);
    expect(sample(res.text, `${PROBE_METRIC.signalLag}{signal="trace"}`)).to.be.at.least(0);
    expect(
      sample(res.text, `${PROBE_METRIC.signalVerdict}{signal="metric",outcome="verified",reason="none"}`),
    ).to.equal(1);
    // The in-process service logs to memory: the log signal is not read back.
    expect(
      sample(res.text, `${PROBE_METRIC.signalVerdict}{signal="log",outcome="skipped",reason="disabled"}`),
    ).to.equal(1);
  });

  it("answers within the scrape's timeout, less the offset: a verdict still out is pending and probe_success 0", async () => {
    const { app, runs } = testService({
      env: { ...QUICK, OTEL_BSP_SCHEDULE_DELAY: '60000', PETSAGE_SMOKE_PROBE_TIMEOUT_OFFSET: '100ms' },
    });
    const res = await request(app.callback())
      .get('/probe')
      .set('X-Prometheus-Scrape-Timeout-Seconds', '0.3')
      .expect(200);
    expect(sample(res.text, PROBE_METRIC.success)).to.equal(0);
    expect(sample(res.text, `${PROBE_METRIC.signalVerdict}{signal="trace",outcome="pending",reason="none"}`)).to.equal(
      1,
    );
    expect(runs.latest()?.run.trigger, 'the run goes on, and is judged later').to.equal('probe');
  });

  it('a malformed pipeline name is 400, an unknown one 404, both JSON; neither makes a run', async () => {
    const { app, runs } = testService({ env: QUICK });
    const bad = await request(app.callback()).get('/probe?pipeline=Not%20A%20Name').expect(400);
    expect(bad.body.error.message).to.equal(
      'a pipeline name is 1-32 lower-case letters, digits, _ and - (starting with a letter)',
    );
    const unknown = await request(app.callback()).get('/probe?pipeline=team-z').expect(404);
    expect(unknown.body.error.message).to.equal('no such pipeline; GET /healthz lists them');
    expect(runs.latest()).to.equal(undefined);
  });

  it("the wait: Prometheus's timeout less the offset; probe.timeout when it sends none or nonsense; never under 100 ms", () => {
    const settings = { timeout: 10_000, timeoutOffset: 500 };
    expect(probeWaitMs('15', settings)).to.equal(14_500);
    expect(probeWaitMs('', settings)).to.equal(9500);
    expect(probeWaitMs('soon', settings)).to.equal(9500);
    expect(probeWaitMs('-3', settings)).to.equal(9500);
    expect(probeWaitMs('0.2', settings)).to.equal(100);
  });
});

describe('GET /probe: on a named pipeline, and what a signal not verified shows', () => {
  it("runs on the pipeline asked for; a signal not (yet) verified is success 0; the duration is the request's own", async () => {
    const { app, runs } = testService({
      env: { ...QUICK, OTEL_BSP_SCHEDULE_DELAY: '60000', PETSAGE_SMOKE_PROBE_TIMEOUT_OFFSET: '100ms' },
      file: configFile('pipelines:\n  team-a: {}\n'),
    });
    const start = performance.now();
    const res = await request(app.callback())
      .get('/probe?pipeline=team-a')
      .set('X-Prometheus-Scrape-Timeout-Seconds', '0.3')
      .expect(200);
    const elapsedSeconds = (performance.now() - start) / 1000;
    expect(runs.latest()?.run.pipeline).to.equal('team-a');
    expect(
      ['trace', 'log'].map((signal) => sample(res.text, `${PROBE_METRIC.signalSuccess}{signal="${signal}"}`)),
      'trace pending, log skipped',
    ).to.deep.equal([0, 0]);
    const duration = sample(res.text, PROBE_METRIC.duration);
    expect(duration).to.be.above(0).and.at.most(elapsedSeconds);
  });

  it('a scrape timeout of 0 or Infinity is no timeout: probe.timeout applies', () => {
    expect(['0', 'Infinity'].map((h) => probeWaitMs(h, { timeout: 10_000, timeoutOffset: 500 }))).to.deep.equal([
      9500, 9500,
    ]);
  });
});
