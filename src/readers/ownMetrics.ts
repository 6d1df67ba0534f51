import type { Render } from '../telemetry/exposition';
import { METRIC, METRICS_PATH } from '../vocabulary';
import { counterReader, sumSamples } from './counter';
import type { PolledReader } from './types';

export interface OwnMetricsReaderOptions {
  render: Render;
  pipeline: string;
}

/**
 * The daemon's own exposition, when no Prometheus is configured: the run counter as a scraper
 * would get it (the same renderer as GET /metrics), read in-process, so the read-back needs no
 * address and never shows up in the request metrics.
 */
export function ownMetricsReader(options: OwnMetricsReaderOptions): PolledReader {
  const series = `pipeline="${options.pipeline}"`;
  return counterReader({
    backend: 'self',
    asked: `its own ${METRICS_PATH} for ${METRIC.runs}{${series}}`,
    readCounter: async () => sumSamples((await options.render(undefined, [METRIC.runs])).body, METRIC.runs, series),
  });
}
