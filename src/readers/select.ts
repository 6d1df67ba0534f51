import type { Config } from '../config/schema';
import type { Clock } from '../smoke/types';
import type { Render } from '../telemetry/exposition';
import type { Signal } from '../vocabulary';
import { fileLogReader } from './logFile';
import { ownMetricsReader } from './ownMetrics';
import { prometheusReader } from './prometheus';
import { traceApiReader } from './traceApi';
import type { Reader } from './types';

export interface ReaderSources {
  /** The log file the lines go to; undefined when logging to stdout only (nothing to read back). */
  readonly logFile: string | undefined;
  readonly logWriteFailed: () => boolean;
  /** The exporter's acknowledgements, fed by the span pipeline. */
  readonly acks: Reader;
  /** The daemon's own exposition. */
  readonly render: Render;
  /** This instance as Prometheus labels it (host:port), for the default selector. */
  readonly hostPort: string;
  readonly now: Clock;
}

/**
 * Which readers prove each signal, chosen from config in this one place: a chain of hops per
 * signal, or 'disabled'. Adding a backend is a reader file, a config key and a line here.
 */
export function chooseReaders(verify: Config['verify'], s: ReaderSources): Record<Signal, readonly Reader[] | 'disabled'> {
  const log = verify.log.enabled && s.logFile !== undefined ? [fileLogReader({ file: s.logFile, writeFailed: s.logWriteFailed, now: s.now })] : 'disabled';
  const trace = verify.traces.enabled ? [s.acks, ...(verify.traces.queryUrl ? [traceApiReader({ url: verify.traces.queryUrl, now: s.now })] : [])] : 'disabled';
  const selector = verify.metrics.selector || `instance="${s.hostPort}"`;
  const metric = !verify.metrics.enabled
    ? 'disabled'
    : [verify.metrics.prometheusUrl ? prometheusReader({ url: verify.metrics.prometheusUrl, selector, now: s.now }) : ownMetricsReader({ render: s.render, now: s.now })];
  return { log, trace, metric };
}
