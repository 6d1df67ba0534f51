import { expect } from 'chai';
import { Histogram, Registry, type RegistryContentType } from 'prom-client';
import { LeanHistogram } from '../../src/telemetry/leanHistogram';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const LABELS = ['route', 'method'] as const;
const exemplar = (n: number) => ({ trace_id: n.toString(16).padStart(32, '0'), span_id: n.toString(16).padStart(16, '0') });
/** Value, labels (in either order), and an exemplar on some: on, between and beyond the bounds. */
const OBSERVATIONS: [number, Record<'route' | 'method', string>, boolean][] = [
  [0.0005, { route: '/a', method: 'GET' }, true],
  [0.001, { method: 'GET', route: '/a' }, false],
  [0.05, { route: '/a', method: 'GET' }, true],
  [7, { route: '/a', method: 'GET' }, true],
  [0.2, { route: '/b', method: 'POST' }, false],
  [0.3, { method: 'POST', route: '/b' }, true],
  [0.02, { route: 'a "quoted"\\back\nslash', method: 'GET' }, false],
];

const strip = (values: unknown[]) => values.map((v) => ({ ...(v as object), exemplar: undefined }));

const HELP = 'X, in seconds.\nEscaped: \\ and newline.';
// Exemplar timestamps are the time of the observation.
const untimed = (text: string) => text.replace(/(# \{[^}]*\} \S+) \d+(\.\d+)?$/gm, '$1 <time>');

describe('LeanHistogram', () => {
  for (const openMetrics of [false, true]) {
    it(`writes the same ${openMetrics ? 'OpenMetrics' : 'Prometheus'} text as prom-client's Histogram, exemplars and escapes included`, async () => {
      // Exemplars need an OpenMetrics registry at construction; the render picks the format.
      const registry = new Registry<RegistryContentType>();
      registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
      // prom-client types exemplar labels as the series' label names; any names are valid.
      const h = new Histogram<string>({ name: 'x_seconds', help: HELP, labelNames: LABELS, buckets: BUCKETS, registers: [registry], enableExemplars: true });
      const lean = new LeanHistogram('x_seconds', HELP, LABELS, BUCKETS);
      h.zero({ route: '/zero', method: 'GET' });
      lean.zero({ route: '/zero', method: 'GET' });
      OBSERVATIONS.forEach(([value, labels, withExemplar], i) => {
        h.observe({ labels, value, ...(withExemplar ? { exemplarLabels: exemplar(i) } : {}) });
        lean.observe(labels, value, withExemplar ? exemplar(i) : undefined);
        // Scrapes in between, in both formats: a series' text is kept until it is observed again.
        if (i % 2 === 1) for (const format of [false, true]) lean.text(format);
      });
      registry.setContentType(openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
      const theirs = untimed(await registry.getSingleMetricAsString('x_seconds'));
      const ours = untimed(lean.text(openMetrics));
      expect(ours).to.include('x_seconds_bucket{le="+Inf",route="/a",method="GET"} 4');
      expect(ours).to.include('x_seconds_count{route="a \\"quoted\\"\\\\back\\nslash",method="GET"} 1');
      expect(ours.includes(' # {trace_id="'), 'exemplars in OpenMetrics only').to.equal(openMetrics);
      expect(ours).to.equal(theirs);
    });
  }

  it('gives getMetricsAsJSON the same values, each with its series labels', async () => {
    const theirs = new Histogram({ name: 'z_seconds', help: 'Z.', labelNames: LABELS, buckets: BUCKETS, registers: [] });
    const ours = new LeanHistogram('z_seconds', 'Z.', LABELS, BUCKETS);
    for (const [value, labels] of OBSERVATIONS) {
      theirs.observe(labels, value);
      ours.observe(labels, value);
    }
    expect(strip((await ours.get()).values)).to.deep.equal(strip((await theirs.get()).values));
  });

  it('without labels, keeps one series', async () => {
    const theirs = new Histogram({ name: 'w_seconds', help: 'W.', buckets: BUCKETS, registers: [] });
    const ours = new LeanHistogram('w_seconds', 'W.', [], BUCKETS);
    ours.zero({});
    for (const [value] of OBSERVATIONS) {
      theirs.observe(value);
      ours.observe({}, value);
    }
    expect(strip((await ours.get()).values)).to.deep.equal(strip((await theirs.get()).values));
  });

  it('reset forgets every series', async () => {
    const h = new LeanHistogram('y_seconds', 'Y.', ['signal'], [1]);
    h.observe({ signal: 'log' }, 0.5);
    h.reset();
    expect((await h.get()).values).to.deep.equal([]);
  });
});
