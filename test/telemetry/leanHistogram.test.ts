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
];

const strip = (values: unknown[]) => values.map((v) => ({ ...(v as object), exemplar: undefined }));

async function render(contentType: RegistryContentType, fill: (registry: Registry<RegistryContentType>) => void) {
  // As in the daemon: exemplars need an OpenMetrics registry at construction, renders pick the format.
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  fill(registry);
  registry.setContentType(contentType);
  // Exemplar timestamps are the time of the observation.
  return (await registry.metrics()).replace(/(# \{[^}]*\} \S+) \d+(\.\d+)?$/gm, '$1 <time>');
}

describe('LeanHistogram', () => {
  for (const contentType of [Registry.PROMETHEUS_CONTENT_TYPE, Registry.OPENMETRICS_CONTENT_TYPE] as const) {
    it(`renders the same ${contentType.split(';')[0]} text as prom-client's Histogram, exemplars included`, async () => {
      const theirs = await render(contentType, (registry) => {
        // prom-client types exemplar labels as the series' label names; any names are valid.
        const h = new Histogram<string>({ name: 'x_seconds', help: 'X.', labelNames: LABELS, buckets: BUCKETS, registers: [registry], enableExemplars: true });
        h.zero({ route: '/zero', method: 'GET' });
        OBSERVATIONS.forEach(([value, labels, withExemplar], i) => h.observe({ labels, value, ...(withExemplar ? { exemplarLabels: exemplar(i) } : {}) }));
      });
      const ours = await render(contentType, (registry) => {
        const h = new LeanHistogram('x_seconds', 'X.', LABELS, BUCKETS).registerIn(registry);
        h.zero({ route: '/zero', method: 'GET' });
        OBSERVATIONS.forEach(([value, labels, withExemplar], i) => h.observe(labels, value, withExemplar ? exemplar(i) : undefined));
      });
      expect(ours).to.include('x_seconds_bucket{le="+Inf",route="/a",method="GET"} 4');
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
