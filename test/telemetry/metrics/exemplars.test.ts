import { expect } from 'chai';
import { Histogram } from 'prom-client';
import { bucketOf, createExemplarGate } from '../../../src/telemetry/metrics/exemplars';
import { createRegistry } from '../../../src/telemetry/metrics/registry';

describe('exemplar gate', () => {
  it('a series takes the first exemplar after each read, each series and bucket on its own', () => {
    const gate = createExemplarGate();
    expect([gate.wants('a'), gate.wants('a'), gate.wants('b'), gate.wants('a')]).to.deep.equal([
      true,
      false,
      true,
      false,
    ]);
    gate.read();
    expect([gate.wants('a'), gate.wants('a'), gate.wants('b')]).to.deep.equal([true, false, true]);
  });

  it('puts a value in the bucket prom-client puts it in', async () => {
    const buckets = [0.005, 0.01, 0.1, 1];
    const registry = createRegistry({ processMetrics: false });
    const histogram = new Histogram({ name: 'h', help: 'h', buckets, registers: [registry], enableExemplars: true });
    const values = [0, 0.005, 0.0050001, 0.1, 0.99, 1, 1.5, 1000];
    for (const value of values) histogram.observe({ value, exemplarLabels: { v: String(value) } });
    const { values: series } = await histogram.get();
    const bounds = [...buckets, '+Inf'];
    for (const value of values) {
      const bucket = series.find(
        (s) => (s as { exemplar?: { labelSet: { v: string } } }).exemplar?.labelSet.v === String(value),
      );
      // Each bucket shows its last exemplar: a value shadowed by a later one in its bucket is not found.
      if (bucket) expect(bucket.labels.le, String(value)).to.equal(bounds[bucketOf(buckets, value)]);
    }
    expect(values.map((v) => bucketOf(buckets, v))).to.deep.equal([0, 0, 1, 2, 3, 3, 4, 4]);
  });
});
