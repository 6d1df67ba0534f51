import { expect } from 'chai';
import { Counter, Registry, type RegistryContentType } from 'prom-client';
import { createRenderer } from '../../src/telemetry/exposition';
import { LeanCounter } from '../../src/telemetry/leanCounter';

const LABELS = ['signal', 'outcome'] as const;
const HELP = 'Read-backs.\nEscaped: \\ and newline.';
/** Increments in either label order, by 1 and by more, on a zeroed series and on new ones. */
const INCREMENTS: [Record<'signal' | 'outcome', string>, number][] = [
  [{ signal: 'log', outcome: 'verified' }, 1],
  [{ outcome: 'verified', signal: 'log' }, 2],
  [{ signal: 'trace', outcome: 'missing' }, 1],
  [{ signal: 'a "quoted"\\back\nslash', outcome: 'x' }, 5],
];

function both() {
  const registry = new Registry<RegistryContentType>();
  const theirs = new Counter({ name: 'x_total', help: HELP, labelNames: LABELS, registers: [registry] });
  const ours = new LeanCounter('x_total', HELP, LABELS);
  for (const c of [theirs, ours]) {
    c.inc({ signal: 'metric', outcome: 'verified' }, 0);
    ours.zero({ signal: 'metric', outcome: 'verified' });
  }
  for (const [labels, n] of INCREMENTS) {
    theirs.inc(labels, n);
    ours.inc(labels, n);
  }
  return { registry, theirs, ours };
}

describe('LeanCounter', () => {
  for (const openMetrics of [false, true]) {
    it(`writes the same ${openMetrics ? 'OpenMetrics' : 'Prometheus'} text as prom-client's Counter, escapes included`, async () => {
      const { registry, ours } = both();
      registry.setContentType(openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
      // As the exposition serves prom-client's counters: OpenMetrics names the family without _total.
      const theirs = (await createRenderer(registry)(openMetrics ? 'application/openmetrics-text' : undefined, ['x_total'])).body;
      expect(ours.text(openMetrics)).to.include('x_total{signal="log",outcome="verified"} 3');
      expect(ours.text(openMetrics)).to.include('x_total{signal="a \\"quoted\\"\\\\back\\nslash",outcome="x"} 5');
      expect(ours.text(openMetrics)).to.include(openMetrics ? '# TYPE x counter' : '# TYPE x_total counter');
      expect(`${ours.text(openMetrics)}\n${openMetrics ? '# EOF\n' : ''}`).to.equal(theirs);
    });
  }

  it('is served by the exposition as its own text, in registration order', async () => {
    const registry = new Registry<RegistryContentType>();
    new Counter({ name: 'a_total', help: 'A.', registers: [registry] }).inc();
    const ours = new LeanCounter('x_total', HELP, LABELS).registerIn(registry);
    ours.inc({ signal: 'log', outcome: 'verified' });
    ours.text = (openMetrics) => `# written by x_total (${openMetrics ? 'openmetrics' : 'text'})`;
    const render = createRenderer(registry);
    expect((await render(undefined)).body).to.equal('# HELP a_total A.\n# TYPE a_total counter\na_total 1\n\n# written by x_total (text)\n');
    expect((await render('application/openmetrics-text')).body).to.equal('# HELP a A.\n# TYPE a counter\na_total 1\n# written by x_total (openmetrics)\n# EOF\n');
  });

  it('gives getMetricsAsJSON the same values', async () => {
    const { theirs, ours } = both();
    expect(await ours.get()).to.deep.equal(await theirs.get());
  });

  it('reset forgets every series', async () => {
    const { ours } = both();
    ours.reset();
    expect((await ours.get()).values).to.deep.equal([]);
    expect(ours.text(false)).to.equal(`# HELP x_total ${HELP.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE x_total counter`);
  });
});
