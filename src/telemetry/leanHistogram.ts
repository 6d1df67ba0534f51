import type { Registry, RegistryContentType } from 'prom-client';
import type { Exemplar } from '../smoke/types';
import { SeriesMap, escapeLabelValue, headerText, numberText, register, type OwnText } from './leanSeries';

interface Series<L extends string> {
  readonly labels: Readonly<Record<L, string>>;
  /** Per bucket, not cumulative; the last one is +Inf. */
  readonly counts: number[];
  /** Each line's text before its value: the buckets', then _sum's and _count's. */
  readonly linePrefixes: readonly string[];
  readonly exemplars: ({ labelSet: Exemplar; value: number; timestamp: number } | undefined)[];
  sum: number;
  count: number;
  /** The series' lines as last written, per format (Prometheus text, OpenMetrics), and the count then. */
  readonly written: [Written | undefined, Written | undefined];
}

interface Written {
  readonly count: number;
  readonly text: string;
}

/**
 * A histogram for the per-request path. prom-client's Histogram validates and hashes the label set
 * and looks buckets up by number on every observe(): with the lag histogram, 11 % of the
 * instructions of a smoke request (bench/README.md). Here an observation adds to plain arrays.
 *
 * Exemplar labels are not checked against the OpenMetrics 128-character limit: by their type they
 * are a trace id and a span id (63 characters with their names).
 */
export class LeanHistogram<L extends string> implements OwnText {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series: SeriesMap<L, Series<L>>;
  private readonly les: readonly (number | string)[];
  private readonly header: string;

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly L[],
    private readonly upperBounds: readonly number[],
  ) {
    this.les = [...upperBounds, '+Inf'];
    this.header = headerText(name, help, this.type);
    this.series = new SeriesMap(labelNames, (labels, labelText) => ({
      labels,
      // le first, then the series' labels, as prom-client writes them.
      linePrefixes: [
        ...this.les.map((le) => `${name}_bucket{le="${le}"${labelText ? `,${labelText}` : ''}} `),
        `${name}_sum${labelText ? `{${labelText}}` : ''} `,
        `${name}_count${labelText ? `{${labelText}}` : ''} `,
      ],
      counts: new Array<number>(this.les.length).fill(0),
      exemplars: new Array<undefined>(this.les.length).fill(undefined),
      sum: 0,
      count: 0,
      written: [undefined, undefined],
    }));
  }

  registerIn(registry: Registry<RegistryContentType>): this {
    return register(this, registry);
  }

  observe(labels: Readonly<Record<L, string>>, value: number, exemplar?: Exemplar): void {
    const series = this.series.get(labels);
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
    this.series.get(labels);
  }

  /**
   * Cumulative buckets (exemplars in OpenMetrics only), sum and count. Every line's text up to its
   * value was built with the series, so a scrape only joins numbers: through prom-client's
   * registry, labels are formatted and escaped again for every line of every scrape. A series
   * with no observation since the last scrape (most of them, most of the time) is not even that.
   */
  text(openMetrics: boolean): string {
    const format = openMetrics ? 1 : 0;
    const parts = [this.header];
    for (const s of this.series.all) {
      let written = s.written[format];
      if (written?.count !== s.count) s.written[format] = written = { count: s.count, text: seriesText(s, openMetrics) };
      parts.push(written.text);
    }
    return parts.join('\n');
  }

  /** The values as prom-client's Histogram gives them (`getMetricsAsJSON`): cumulative buckets, sum, count. */
  get() {
    const values: { metricName: string; value: number; exemplar?: object; labels: object }[] = [];
    for (const s of this.series.all) {
      let cumulative = 0;
      s.counts.forEach((n, i) => {
        cumulative += n;
        values.push({ metricName: `${this.name}_bucket`, value: cumulative, exemplar: s.exemplars[i], labels: { le: this.les[i] as number | string, ...s.labels } });
      });
      values.push({ metricName: `${this.name}_sum`, value: s.sum, labels: { ...s.labels } }, { metricName: `${this.name}_count`, value: s.count, labels: { ...s.labels } });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.series.clear();
  }
}

function seriesText(s: Series<string>, openMetrics: boolean): string {
  const lines: string[] = [];
  let cumulative = 0;
  for (let i = 0; i < s.counts.length; i += 1) {
    cumulative += s.counts[i] as number;
    const exemplar = openMetrics ? s.exemplars[i] : undefined;
    lines.push(`${s.linePrefixes[i]}${cumulative}${exemplar ? exemplarText(exemplar) : ''}`);
  }
  lines.push(`${s.linePrefixes[s.counts.length]}${numberText(s.sum)}`, `${s.linePrefixes[s.counts.length + 1]}${s.count}`);
  return lines.join('\n');
}

function exemplarText(e: { labelSet: Exemplar; value: number; timestamp: number }): string {
  return ` # {trace_id="${escapeLabelValue(e.labelSet.trace_id)}",span_id="${escapeLabelValue(e.labelSet.span_id)}"} ${numberText(e.value)} ${e.timestamp}`;
}
