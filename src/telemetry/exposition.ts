import { Registry, type RegistryContentType } from 'prom-client';

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;

/**
 * Serves one registry as Prometheus text or OpenMetrics, as the scraper's Accept header asks; with
 * `names`, only those metric families (unknown names are left out).
 */
export type Render = (
  accept: string | undefined,
  names?: readonly string[],
) => Promise<{ contentType: string; body: string }>;

export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/openmetrics-text');
}

type Family = { name: string; type: string };

/**
 * prom-client 15 formats by the registry's content type and, for OpenMetrics, renames counters in
 * place (strips `_total`), which would leak into the next Prometheus-format scrape and break
 * `getSingleMetric` (https://github.com/prometheus/client_js/pull/829 removes the in-place rename).
 * So renders run one at a time, each with its format set and the counter names restored afterwards.
 */
export function createRenderer(registry: Registry<RegistryContentType>): Render {
  let queue: Promise<unknown> = Promise.resolve();

  async function render(openMetrics: boolean, only: readonly string[] | undefined) {
    const contentType = openMetrics ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
    registry.setContentType(contentType);
    const families = registry.getMetricsAsArray() as unknown as Family[];
    const names = families.map((m) => m.name);
    try {
      if (!only) return { contentType, body: await registry.metrics() };
      // Names looked up among the families, never as keys of the registry's own object ("__proto__").
      const known = new Set(names);
      return {
        contentType,
        body: await renderFamilies(
          openMetrics,
          [...new Set(only)].filter((name) => known.has(name)),
        ),
      };
    } finally {
      families.forEach((m, i) => (m.name = names[i] as string));
    }
  }

  /** What registry.metrics() does for a subset (counters renamed for OpenMetrics, same separators). */
  async function renderFamilies(openMetrics: boolean, chosen: readonly string[]): Promise<string> {
    const texts: string[] = [];
    for (const name of chosen) {
      const metric = registry.getSingleMetric(name) as unknown as Family;
      if (openMetrics && metric.type === 'counter') metric.name = name.replace(/_total$/, '');
      texts.push(await registry.getSingleMetricAsString(name));
    }
    if (openMetrics) return `${texts.map((f) => `${f}\n`).join('')}# EOF\n`;
    return texts.length > 0 ? `${texts.join('\n\n')}\n` : '';
  }

  return (accept, only) => {
    const next = queue.then(() => render(wantsOpenMetrics(accept), only));
    queue = next.catch(() => undefined);
    return next;
  };
}
