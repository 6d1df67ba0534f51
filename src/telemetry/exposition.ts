import { Registry, type RegistryContentType } from 'prom-client';

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;

/** Serves one registry as Prometheus text or OpenMetrics, as the scraper's Accept header asks. */
export type Render = (accept: string | undefined) => Promise<{ contentType: string; body: string }>;

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

  async function render(openMetrics: boolean) {
    const contentType = openMetrics ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
    registry.setContentType(contentType);
    try {
      return { contentType, body: await registry.metrics() };
    } finally {
      for (const [metric, name] of names) (metric as unknown as { name: string }).name = name;
    }
  }

  return (accept) => {
    const next = queue.then(() => render(wantsOpenMetrics(accept)));
    queue = next.catch(() => undefined);
    return next;
  };
}
