import { Registry, collectDefaultMetrics, type RegistryContentType } from 'prom-client';

/** The daemon's metrics: a registry of its own, never prom-client's global one. */
export type MetricsRegistry = Registry<RegistryContentType>;

export interface RegistryOptions {
  processMetrics: boolean;
}

export function createRegistry(options: RegistryOptions): MetricsRegistry {
  // Exemplars need an OpenMetrics registry at construction; exposition.ts serves both formats.
  const registry: MetricsRegistry = new Registry();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  if (options.processMetrics) {
    collectDefaultMetrics({ register: registry });
    // Its collect waits a turn of the event loop, so every scrape would wait out the lag it
    // measures; nodejs_eventloop_lag_{mean,p50,p99}_seconds carry the same from a histogram.
    registry.removeSingleMetric('nodejs_eventloop_lag_seconds');
  }
  return registry;
}
