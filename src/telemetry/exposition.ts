import { Registry, type RegistryContentType } from 'prom-client';

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;

/**
 * Serves one registry as Prometheus text or OpenMetrics, as the scraper's Accept header asks; with
 * `names`, only those metric families (unknown names are left out).
 */
export type Render = (accept: string | undefined, names?: readonly string[]) => Promise<{ contentType: string; body: string }>;

/** A Prometheus metric name, as a `name` filter must be spelled. */
export const METRIC_NAME_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/openmetrics-text');
}

/**
 * prom-client formats by the registry's content type and, for OpenMetrics, renames counters in
 * place (strips `_total`), which would leak into the next Prometheus-format scrape. So renders run
 * one at a time, each with its format set and the counter names restored afterwards.
 */
export function createRenderer(registry: Registry<RegistryContentType>): Render {
  let queue: Promise<unknown> = Promise.resolve();
  const names = new Map(registry.getMetricsAsArray().map((m) => [m, (m as unknown as { name: string }).name]));

  async function render(openMetrics: boolean, only: readonly string[] | undefined) {
    const contentType = openMetrics ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
    registry.setContentType(contentType);
    try {
      return { contentType, body: only ? await renderOnly(openMetrics, only) : await registry.metrics() };
    } finally {
      for (const [metric, name] of names) (metric as unknown as { name: string }).name = name;
    }
  }

  /** What registry.metrics() does, for some families: counters renamed for OpenMetrics, same separators. */
  async function renderOnly(openMetrics: boolean, only: readonly string[]): Promise<string> {
    const families: string[] = [];
    for (const name of new Set(only)) {
      const metric = registry.getSingleMetric(name) as unknown as { name: string; type: string } | undefined;
      if (!metric) continue;
      if (openMetrics && metric.type === 'counter') metric.name = name.replace(/_total$/, '');
      families.push(await registry.getSingleMetricAsString(name));
    }
    if (openMetrics) return `${families.map((f) => `${f}\n`).join('')}# EOF\n`;
    return families.length > 0 ? `${families.join('\n\n')}\n` : '';
  }

  return (accept, only) => {
    const next = queue.then(() => render(wantsOpenMetrics(accept), only));
    queue = next.catch(() => undefined);
    return next;
  };
}
