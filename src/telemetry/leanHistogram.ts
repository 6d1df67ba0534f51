import type { Registry, RegistryContentType } from 'prom-client';
import type { Exemplar } from '../smoke/types';

interface Series<L extends string> {
  readonly labels: Readonly<Record<L, string>>;
  /** Per bucket, not cumulative; the last one is +Inf. */
  readonly counts: number[];
  readonly exemplars: ({ labelSet: Exemplar; value: number; timestamp: number } | undefined)[];
  sum: number;
  count: number;
}

/**
 * A histogram for the per-request path, rendered by a prom-client registry like its own. prom-client's
 * Histogram validates and hashes the label set and looks buckets up by number on every observe():
 * with the lag histogram, 11 % of the instructions of a smoke request (bench/README.md). Here the
 * series is found through one map per label, and an observation adds to plain arrays.
 *
 * Exemplar labels are not checked against the OpenMetrics 128-character limit: by their type they
 * are a trace id and a span id (63 characters with their names).
 */
export class LeanHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly root = new Map<string, unknown>();
  private readonly all: Series<L>[] = [];
  private readonly bucketName: string;
  private readonly sumName: string;
  private readonly countName: string;
  private readonly leLabels: readonly { le: number | string }[];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    private readonly upperBounds: readonly number[],
  ) {
    this.bucketName = `${name}_bucket`;
    this.sumName = `${name}_sum`;
    this.countName = `${name}_count`;
    this.leLabels = [...upperBounds.map((le) => ({ le })), { le: '+Inf' }];
  }

  /** Adds itself to a registry (which types its metrics as prom-client's own classes). */
  registerIn(registry: Registry<RegistryContentType>): this {
    registry.registerMetric(this as unknown as Parameters<typeof registry.registerMetric>[0]);
    return this;
  }

  observe(labels: Readonly<Record<L, string>>, value: number, exemplar?: Exemplar): void {
    const series = this.series(labels);
    let bucket = 0;
    while (bucket < this.upperBounds.length && value > (this.upperBounds[bucket] as number)) bucket += 1;
    series.counts[bucket] = (series.counts[bucket] as number) + 1;
    series.sum += value;
    series.count += 1;
    if (!exemplar) return;
    const timestamp = Date.now() / 1000;
    const kept = series.exemplars[bucket];
    if (kept) {
      kept.labelSet = exemplar;
      kept.value = value;
      kept.timestamp = timestamp;
    } else {
      series.exemplars[bucket] = { labelSet: exemplar, value, timestamp };
    }
  }

  /** Starts a series at 0, so its first observation is an increase rather than a new series. */
  zero(labels: Readonly<Record<L, string>>): void {
    this.series(labels);
  }

  /**
   * What prom-client's registry renders: cumulative buckets (with their exemplars), sum and count.
   * The series' labels go as `sharedLabels`, which the registry formats once per series and render,
   * as it does for its own histograms.
   */
  getForPromString() {
    const values: { metricName: string; labels: object; sharedLabels: object; value: number; exemplar?: object }[] = [];
    for (const s of this.all) {
      let cumulative = 0;
      s.counts.forEach((n, i) => {
        cumulative += n;
        values.push({ metricName: this.bucketName, labels: this.leLabels[i] as object, sharedLabels: s.labels, value: cumulative, exemplar: s.exemplars[i] });
      });
      values.push({ metricName: this.sumName, labels: {}, sharedLabels: s.labels, value: s.sum }, { metricName: this.countName, labels: {}, sharedLabels: s.labels, value: s.count });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** The same values with each series' labels in every value (`getMetricsAsJSON`). */
  async get() {
    const metric = await this.getForPromString();
    return { ...metric, values: metric.values.map(({ sharedLabels, labels, ...value }) => ({ ...value, labels: { ...labels, ...sharedLabels } })) };
  }

  reset(): void {
    this.root.clear();
    this.all.length = 0;
  }

  private series(labels: Readonly<Record<L, string>>): Series<L> {
    let node = this.root;
    const last = this.labelNames.length - 1;
    for (let i = 0; i < last; i += 1) {
      const value = labels[this.labelNames[i] as L];
      let next = node.get(value) as Map<string, unknown> | undefined;
      if (!next) node.set(value, (next = new Map()));
      node = next;
    }
    const leaf = last < 0 ? '' : labels[this.labelNames[last] as L]; // no labels: one series
    const found = node.get(leaf) as Series<L> | undefined;
    if (found) return found;
    const created: Series<L> = {
      // Copied in label-name order, so the text is the same whatever order the caller used.
      labels: Object.fromEntries(this.labelNames.map((n) => [n, labels[n]])) as Record<L, string>,
      counts: new Array<number>(this.upperBounds.length + 1).fill(0),
      exemplars: new Array<undefined>(this.upperBounds.length + 1).fill(undefined),
      sum: 0,
      count: 0,
    };
    node.set(leaf, created);
    this.all.push(created);
    return created;
  }
}
