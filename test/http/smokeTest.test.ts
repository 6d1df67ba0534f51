import { expect } from 'chai';
import request from 'supertest';
import {
  ATTR_RUN_ID,
  ATTR_RUN_SEQ,
  ATTR_TRIGGER,
  FEATURE,
  RUN_SPAN_NAME,
  VERIFICATION_EVENT,
  VERIFICATION_MESSAGE,
} from '../../src/vocabulary';
import { OPENMETRICS_CONTENT_TYPE } from '../../src/telemetry/exposition';
import { METRIC } from '../../src/vocabulary';
import { VERSION } from '../../src/version';
import { testService } from '../support/app';

const ISO_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

for (const path of ['/smoke-test', '/api/v1/smoke-test']) {
  describe(`GET ${path}`, () => {
    it('answers the contract: status, feature, message, timestamp, service, version, ids, seq, signals', async () => {
      const { app } = testService();
      const res = await request(app.callback())
        .get(path)
        .expect(200)
        .expect('Content-Type', /application\/json/);
      expect(res.body).to.include({
        status: 'ok',
        feature: FEATURE,
        message: VERIFICATION_MESSAGE,
        service: 'petsage-smoke',
        version: VERSION,
        seq: 1,
      });
      expect(res.body.timestamp).to.match(ISO_MS_UTC);
      expect(res.body.trace_id).to.match(/^[0-9a-f]{32}$/);
      expect(res.body.span_id).to.match(/^[0-9a-f]{16}$/);
      expect(res.body.run_id).to.equal(res.body.trace_id);
      expect(res.body.signals).to.deep.equal({
        log: { status: 'emitted' },
        trace: { status: 'emitted' },
        metric: { status: 'emitted' },
      });
    });

    it('writes exactly one JSON log line carrying the same ids', async () => {
      const { app, lines } = testService();
      const res = await request(app.callback()).get(path).expect(200);
      expect(lines).to.have.length(1);
      const line = JSON.parse(lines[0]!) as Record<string, unknown>;
      expect(line).to.include({
        level: 'info',
        message: VERIFICATION_MESSAGE,
        event: VERIFICATION_EVENT,
        run_id: res.body.run_id,
        trace_id: res.body.trace_id,
        span_id: res.body.span_id,
        seq: 1,
        service: 'petsage-smoke',
        timestamp: res.body.timestamp,
      });
      // The grep contract (README): exactly these keys, in alphabetical order.
      expect(Object.keys(line)).to.deep.equal([
        'event',
        'level',
        'message',
        'pipeline',
        'process_id',
        'run_id',
        'seq',
        'service',
        'span_id',
        'timestamp',
        'trace_id',
        'trigger',
      ]);
    });

    it('finishes one smoke_test.run span, a root of its own trace, with the run id, seq and trigger', async () => {
      const svc = testService();
      const res = await request(svc.app.callback()).get(path).expect(200);
      const runs = (await svc.finishedSpans()).filter((s) => s.name === RUN_SPAN_NAME);
      expect(runs).to.have.length(1);
      const run = runs[0]!;
      expect(run.spanContext()).to.include({ traceId: res.body.trace_id, spanId: res.body.span_id });
      expect(run.parentSpanContext).to.equal(undefined);
      expect(run.attributes).to.include({ [ATTR_RUN_ID]: res.body.run_id, [ATTR_TRIGGER]: 'http', [ATTR_RUN_SEQ]: 1 });
    });

    it('counts the run once, with an OpenMetrics exemplar carrying the trace id of the log line', async () => {
      const { app, lines } = testService();
      const res = await request(app.callback()).get(path).expect(200);
      const logged = JSON.parse(lines[0]!) as { trace_id: string; span_id: string; process_id: string };
      const metrics = await request(app.callback())
        .get('/metrics')
        .set('Accept', 'application/openmetrics-text; version=1.0.0')
        .expect(200);
      expect(metrics.headers['content-type']).to.equal(OPENMETRICS_CONTENT_TYPE);
      const series = metrics.text.split('\n').filter((l) => l.startsWith(`${METRIC.runs}{`));
      expect(series.filter((l) => / 1( |$)/.test(l))).to.deep.equal([
        `${METRIC.runs}{trigger="http",outcome="success",pipeline="default",process_id="${logged.process_id}"} 1 # {trace_id="${logged.trace_id}",span_id="${logged.span_id}"} 1 ${series[0]!.split(' ').pop()}`,
      ]);
      expect(logged.trace_id).to.equal(res.body.trace_id);
      // The request itself is timed under its route template, its exemplar the same trace.
      const timed = metrics.text
        .split('\n')
        .filter(
          (l) =>
            l.startsWith(`${METRIC.httpDuration}_bucket{`) && l.includes(`route="${path}",method="GET",status="200"`),
        );
      expect(timed.some((l) => l.includes(`# {trace_id="${res.body.trace_id}",`))).to.equal(true);
    });
  });
}

describe('smoke runs in sequence', () => {
  it('numbers each run and gives each its own trace', async () => {
    const { app, lines } = testService();
    const a = await request(app.callback()).get('/smoke-test').expect(200);
    const b = await request(app.callback()).get('/api/v1/smoke-test').expect(200);
    expect([a.body.seq, b.body.seq]).to.deep.equal([1, 2]);
    expect(a.body.trace_id).to.not.equal(b.body.trace_id);
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).to.deep.equal([1, 2]);
  });

  it('still answers 200 when the log write fails, and says which signal failed', async () => {
    const { app } = testService({ failLogWrites: true });
    const res = await request(app.callback()).get('/smoke-test').expect(200);
    expect(res.body.status).to.equal('degraded');
    expect(res.body.signals.log).to.deep.equal({ status: 'error', reason: 'write_failed' });
    const metrics = await request(app.callback()).get('/metrics').expect(200);
    expect(metrics.text).to.match(
      new RegExp(`${METRIC.runs}\\{trigger="http",outcome="failure",pipeline="default",process_id="[0-9a-f]{16}"\\} 1`),
    );
  });
});
