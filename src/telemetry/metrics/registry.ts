import { Registry, collectDefaultMetrics, type RegistryContentType } from 'prom-client';
import type { SeriesProfile } from './profile';

/** The daemon's metrics: a registry of its own, never prom-client's global one. */
export type MetricsRegistry = Registry<RegistryContentType>;

export interface RegistryOptions {
  processMetrics: boolean;
  /** Which of prom-client's process metrics are kept (default: all). */
  profile?: SeriesProfile;
}

export function createRegistry(options: RegistryOptions): MetricsRegistry {
  // Exemplars need an OpenMetrics registry at construction; exposition.ts serves both formats.
  const registry: MetricsRegistry = new Registry();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  if (options.processMetrics) {
    collectDefaultMetrics({ register: registry });
    // What is not kept is unregistered; a kept one whose collect sets others still sets them.
    const kept = options.profile?.processMetrics ?? 'all';
    if (kept !== 'all')
      for (const metric of registry.getMetricsAsArray())
        if (!kept.includes(metric.name)) registry.removeSingleMetric(metric.name);
  }
  return registry;
}
