import type { Registry, RegistryContentType } from 'prom-client';

/**
 * What the lean metrics share: finding a series through one map per label, rather than building
 * and hashing a key for the label set on every update as prom-client's metrics do; and the text
 * format, so a scrape writes the same bytes as prom-client's registry would.
 */

/** A metric that writes its own exposition text; exposition.ts renders the others through the registry. */
export interface OwnText {
  text(openMetrics: boolean): string;
}

export const hasOwnText = (metric: unknown): metric is OwnText => typeof (metric as Partial<OwnText>).text === 'function';

/** Adds a lean metric to a registry (which types its metrics as prom-client's own classes). */
export function register<M>(metric: M, registry: Registry<RegistryContentType>): M {
  registry.registerMetric(metric as unknown as Parameters<typeof registry.registerMetric>[0]);
  return metric;
}

/** Series by label values, each made once by `create` from the labels in label-name order. */
export class SeriesMap<L extends string, S> {
  private readonly root = new Map<string, unknown>();
  /** In the order they were first seen: the order of the exposition. */
  readonly all: S[] = [];

  constructor(
    private readonly labelNames: readonly L[],
    private readonly create: (labels: Readonly<Record<L, string>>, labelText: string) => S,
  ) {}

  get(labels: Readonly<Record<L, string>>): S {
    let node = this.root;
    const last = this.labelNames.length - 1;
    for (let i = 0; i < last; i += 1) {
      const value = labels[this.labelNames[i] as L];
      let next = node.get(value) as Map<string, unknown> | undefined;
      if (!next) node.set(value, (next = new Map()));
      node = next;
    }
    const leaf = last < 0 ? '' : labels[this.labelNames[last] as L]; // no labels: one series
    const found = node.get(leaf) as S | undefined;
    if (found) return found;
    // Copied in label-name order, so the text is the same whatever order the caller used.
    const own = Object.fromEntries(this.labelNames.map((n) => [n, labels[n]])) as Record<L, string>;
    const created = this.create(own, this.labelNames.map((n) => `${n}="${escapeLabelValue(own[n])}"`).join(','));
    node.set(leaf, created);
    this.all.push(created);
    return created;
  }

  clear(): void {
    this.root.clear();
    this.all.length = 0;
  }
}

// prom-client's escaping and number format.
export const escapeText = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
export const escapeLabelValue = (s: string) => escapeText(s).replace(/"/g, '\\"');
export const numberText = (n: number) => (Number.isNaN(n) ? 'Nan' : Number.isFinite(n) ? `${n}` : n < 0 ? '-Inf' : '+Inf');

/** # HELP and # TYPE lines. */
export const headerText = (name: string, help: string, type: string) => `# HELP ${escapeText(name)} ${escapeText(help)}\n# TYPE ${escapeText(name)} ${type}`;
