import { expect } from 'chai';
import { counterReader, sumSamples } from '../../src/readers/counter';
import { ownMetricsReader } from '../../src/readers/ownMetrics';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { createRenderer } from '../../src/telemetry/exposition';
import { createRegistry } from '../../src/telemetry/metrics/registry';
import { createRunMetrics } from '../../src/telemetry/metrics/runs';
import { METRIC } from '../../src/vocabulary';
import { fakePorts, readOnce } from '../support/fakes';

describe('counter readers', () => {
  const runs = (n: number) => {
    const run = createSmokeRunner(fakePorts().ports);
    return Array.from({ length: n }, () => run('schedule'));
  };

  it('sums a counter over its labels in Prometheus text and OpenMetrics (exemplars and _created ignored)', () => {
    const text = [
      `# TYPE ${METRIC.runs} counter`,
      `${METRIC.runs}{trigger="http",outcome="success"} 3 # {trace_id="a",span_id="b"} 1 1700000000.1`,
      `${METRIC.runs}{trigger="schedule",outcome="failure"} 2`,
      `${METRIC.runs}_created{trigger="http"} 1700000000`,
      `other_total 100`,
    ].join('\n');
    expect(sumSamples(text, METRIC.runs)).to.equal(5);
    expect(sumSamples('plain_total 7\n', 'plain_total')).to.equal(7);
  });

  it('one read of the counter serves every waiting run whose seq it has reached', async () => {
    let value = 2;
    let reads = 0;
    const reader = counterReader({
      backend: 'prometheus',
      asked: 'a counter',
      readCounter: () => ((reads += 1), Promise.resolve(value)),
    });
    const batch = runs(4);
    expect([...(await readOnce(reader, batch)).keys()]).to.deep.equal([batch[0]!.id, batch[1]!.id]);
    value = 4;
    expect((await readOnce(reader, batch.slice(2))).size).to.equal(2);
    expect(reads).to.equal(2);
  });

  it("own metrics: reads its pipeline's counter from the daemon's own exposition, in-process", async () => {
    const registry = createRegistry({ processMetrics: false });
    const metrics = createRunMetrics(registry, 'abc');
    const [ours, theirs] = [metrics.port('default'), metrics.port('team-a')];
    const reader = ownMetricsReader({ render: createRenderer(registry), pipeline: 'default' });
    const batch = runs(2);
    expect((await readOnce(reader, batch)).size).to.equal(0);
    theirs.recordRun({ trigger: 'schedule', outcome: 'success', durationSeconds: 0.001 });
    expect((await readOnce(reader, batch)).size, "another pipeline's runs do not count").to.equal(0);
    ours.recordRun({ trigger: 'schedule', outcome: 'success', durationSeconds: 0.001 });
    expect([...(await readOnce(reader, batch)).keys()]).to.deep.equal([batch[0]!.id]);
    expect(reader.backend).to.equal('self');
  });
});
