import type { Render } from '../telemetry/exposition';
import type { Clock } from '../smoke/types';
import { METRIC } from '../vocabulary';
import { counterReader, sumSamples } from './counter';
import type { Reader } from './types';

/**
 * The daemon's own exposition, when no Prometheus is configured: the run counter as a scraper
 * would get it (the same renderer as GET /metrics), read in-process, so the read-back needs no
 * address and never shows up in the request metrics.
 */
export function ownMetricsReader(o: { render: Render; now: Clock }): Reader {
  return counterReader({
    backend: 'self',
    now: o.now,
    readCounter: async () => sumSamples((await o.render(undefined, [METRIC.runs])).body, METRIC.runs),
  });
}
