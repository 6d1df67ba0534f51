import { expect } from 'chai';
import { Counter } from 'prom-client';
import { createExportMetrics } from '../../src/telemetry/metrics/exports';
import { createRegistry } from '../../src/telemetry/metrics/registry';
import { createRunMetrics } from '../../src/telemetry/metrics/runs';
import { METRIC, TRIGGERS } from '../../src/vocabulary';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, createRenderer } from '../../src/telemetry/exposition';

/** The run counter and the export counters of one pipeline, in a registry of their own. */
function createMetrics(o: { processMetrics: boolean }) {
  const registry = createRegistry(o);
  const runs = createRunMetrics(registry, 'abc');
  const exports = createExportMetrics(registry);
  exports.spans('default');
  return { registry, port: runs.port('default'), total: runs.total };
}
const SERIES = 'pipeline="default",process_id="abc"';

const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

describe('metrics exposition', () => {
  it('starts every labelled series at 0', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const { body } = await createRenderer(metrics.registry)(undefined);
    for (const trigger of TRIGGERS) {
      for (const outcome of ['success', 'failure'])
        expect(body).to.include(`${METRIC.runs}{trigger="${trigger}",outcome="${outcome}",${SERIES}} 0`);
    }
    for (const outcome of ['success', 'failure', 'dropped'])
      expect(body).to.include(`${METRIC.spansExported}{pipeline="default",outcome="${outcome}"} 0`);
  });

  it('serves Prometheus text by default and OpenMetrics with exemplars when asked', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const render = createRenderer(metrics.registry);
    const exemplar = { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) };
    metrics.port.recordRun({ trigger: 'http', outcome: 'success', durationSeconds: 0.001, exemplar });

    const text = await render('text/plain');
    expect(text.contentType).to.equal(PROMETHEUS_CONTENT_TYPE);
    expect(text.body).to.include(`# TYPE ${METRIC.runs} counter`);
    expect(text.body).to.include(`${METRIC.runs}{trigger="http",outcome="success",${SERIES}} 1\n`);
    expect(text.body).to.not.include('# {');

    const om = await render(OPENMETRICS_ACCEPT);
    expect(om.contentType).to.equal(OPENMETRICS_CONTENT_TYPE);
    expect(om.body).to.match(
      new RegExp(
        `${METRIC.runs}\\{trigger="http",outcome="success",${SERIES}\\} 1 # \\{trace_id="${exemplar.trace_id}",span_id="${exemplar.span_id}"\\} 1 `,
      ),
    );
    expect(om.body.endsWith('# EOF\n')).to.equal(true);
  });

  it('keeps counter names intact when formats alternate, even concurrently', async () => {
    const metrics = createMetrics({ processMetrics: true });
    const render = createRenderer(metrics.registry);
    const results = await Promise.all([
      render(OPENMETRICS_ACCEPT),
      render(undefined),
      render(OPENMETRICS_ACCEPT),
      render(undefined),
    ]);
    expect(results.map((r) => r.contentType)).to.deep.equal([
      OPENMETRICS_CONTENT_TYPE,
      PROMETHEUS_CONTENT_TYPE,
      OPENMETRICS_CONTENT_TYPE,
      PROMETHEUS_CONTENT_TYPE,
    ]);
    for (const text of [results[1]!.body, results[3]!.body]) {
      expect(text).to.include(`# TYPE ${METRIC.runs} counter`);
      expect(text).to.include(`# TYPE process_cpu_user_seconds_total counter`);
    }
  });

  it('serves a metric registered after the renderer was made, with its name intact after an OpenMetrics render', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const render = createRenderer(metrics.registry);
    new Counter({ name: 'late_total', help: 'Late.', registers: [metrics.registry] }).inc();
    expect((await render(OPENMETRICS_ACCEPT)).body).to.include('# TYPE late counter\nlate_total 1\n');
    expect((await render(undefined)).body).to.include('# TYPE late_total counter\nlate_total 1\n');
  });

  it('serves only the families asked for by name, in either format, the same lines as a full render', async () => {
    const metrics = createMetrics({ processMetrics: true });
    const render = createRenderer(metrics.registry);
    metrics.port.recordRun({
      trigger: 'http',
      outcome: 'success',
      durationSeconds: 0.001,
      exemplar: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) },
    });
    for (const accept of [undefined, OPENMETRICS_ACCEPT]) {
      const full = (await render(accept)).body;
      const only = await render(accept, [METRIC.runs, METRIC.runs, 'no_such_metric']);
      const families = only.body.split('\n').filter((l) => l.startsWith('# TYPE'));
      expect(families, accept).to.have.length(1);
      for (const line of only.body.split('\n').filter((l) => l.startsWith(METRIC.runs)))
        expect(full.split('\n')).to.include(line);
      expect(only.body).to.include(`${METRIC.runs}{trigger="http",outcome="success",${SERIES}} 1`);
      expect(only.body.endsWith(accept ? '\n# EOF\n' : '\n')).to.equal(true);
    }
    expect((await render(OPENMETRICS_ACCEPT, ['no_such_metric'])).body).to.equal('# EOF\n');
    expect((await render(undefined)).body, 'counter names restored').to.include(`# TYPE ${METRIC.runs} counter`);
  });

  it('a name asked for that is a key of any object ("__proto__", "constructor") is just an unknown name', async () => {
    const render = createRenderer(createMetrics({ processMetrics: false }).registry);
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty'])
      expect((await render(undefined, [name])).body, name).to.equal('');
  });

  it('records only the run counter for runs, never input-derived labels', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const before = (await metrics.registry.getMetricsAsJSON()).flatMap(
      (m) => (m as { values: unknown[] }).values,
    ).length;
    for (let i = 0; i < 50; i += 1)
      metrics.port.recordRun({ trigger: 'http', outcome: 'success', durationSeconds: 0.001 });
    const after = (await metrics.registry.getMetricsAsJSON()).flatMap(
      (m) => (m as { values: unknown[] }).values,
    ).length;
    expect(after).to.equal(before);
    expect(await metrics.total()).to.equal(50);
  });
});
