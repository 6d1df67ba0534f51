import type { Registry, RegistryContentType } from 'prom-client';
import { SeriesMap, headerText, numberText, register, type OwnText } from './leanSeries';

interface Series<L extends string> {
  readonly labels: Readonly<Record<L, string>>;
  /** The line's text before its value. */
  readonly linePrefix: string;
  value: number;
}

/**
 * A counter bumped three times per run (the signal verdicts). prom-client's Counter builds and
 * looks up a key for the label set on every inc(), and its text is formatted again on every
 * scrape; here an increment adds to a number in its series, and a line's text is built once.
 * No exemplars: a counter that carries them stays prom-client's own.
 */
export class LeanCounter<L extends string> implements OwnText {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly series: SeriesMap<L, Series<L>>;
  /** OpenMetrics names the family without `_total` and keeps it on the samples. */
  private readonly headers: { readonly text: string; readonly openMetrics: string };

  constructor(
    readonly name: `${string}_total`,
    readonly help: string,
    labelNames: readonly L[],
  ) {
    this.headers = { text: headerText(name, help, this.type), openMetrics: headerText(name.replace(/_total$/, ''), help, this.type) };
    this.series = new SeriesMap(labelNames, (labels, labelText) => ({ labels, linePrefix: `${name}${labelText ? `{${labelText}}` : ''} `, value: 0 }));
  }

  registerIn(registry: Registry<RegistryContentType>): this {
    return register(this, registry);
  }

  inc(labels: Readonly<Record<L, string>>, n = 1): void {
    this.series.get(labels).value += n;
  }

  /** Starts a series at 0, so its first increment is an increase rather than a new series. */
  zero(labels: Readonly<Record<L, string>>): void {
    this.series.get(labels);
  }

  text(openMetrics: boolean): string {
    const lines = [openMetrics ? this.headers.openMetrics : this.headers.text];
    for (const s of this.series.all) lines.push(`${s.linePrefix}${numberText(s.value)}`);
    return lines.join('\n');
  }

  /** The values as prom-client's Counter gives them (`getMetricsAsJSON`). */
  get() {
    const values = this.series.all.map((s) => ({ value: s.value, labels: { ...s.labels } }));
    return Promise.resolve({ help: this.help, name: this.name, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    this.series.clear();
  }
}
