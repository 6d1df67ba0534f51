import type { Config } from '../config/schema';
import type { Clock } from '../smoke/types';
import type { Render } from '../telemetry/exposition';
import type { Signal } from '../vocabulary';
import { connect, OPEN_CONNECTION } from './connection';
import { fileLogReader } from './logFile';
import { lokiReader } from './loki';
import { ownMetricsReader } from './ownMetrics';
import { prometheusReader } from './prometheus';
import { traceByIdReader } from './traceById';
import { tempoSearchReader } from './tempoSearch';
import type { Reader } from './types';

export interface ReaderSources {
  /** The log file the lines go to; undefined when logging to stdout only (nothing to read back). */
  readonly logFile: string | undefined;
  readonly logWriteFailed: () => boolean;
  /** The span exporter's acknowledgements, fed by the span pipeline. */
  readonly spanAcks: Reader;
  /** The log-record exporter's acknowledgements; undefined when OTLP logs are off. */
  readonly logAcks: Reader | undefined;
  /** The daemon's own exposition. */
  readonly render: Render;
  /** This instance as Prometheus labels it (host:port), for the default selector. */
  readonly hostPort: string;
  /** Where an earlier process's log tail stopped (the state file). */
  readonly logTailStart?: { readonly ino: number; readonly offset: number };
  readonly now: Clock;
}

export interface ChosenReaders {
  readonly chains: Record<Signal, readonly Reader[] | 'disabled'>;
  /** Where the log tail is, for the state file; undefined without a log file. */
  readonly logTailPosition: () => { ino: number; offset: number } | undefined;
}

const chain = (readers: readonly (Reader | undefined)[]) => {
  const present = readers.filter((r): r is Reader => r !== undefined);
  return present.length > 0 ? present : 'disabled';
};

/**
 * Which readers prove each signal, chosen from config in this one place: the hops the signal must
 * reach, in order (written, exported, stored), or 'disabled'. Adding a backend is a reader file, a
 * config block and a line here.
 */
export function chooseReaders(verify: Config['verify'], s: ReaderSources): ChosenReaders {
  const { now } = s;
  const { loki, enabled: logOn } = verify.log;
  const file =
    logOn && s.logFile !== undefined
      ? fileLogReader({
          file: s.logFile,
          writeFailed: s.logWriteFailed,
          now,
          ...(s.logTailStart ? { startAt: s.logTailStart } : {}),
        })
      : undefined;
  const log = logOn
    ? chain([
        s.logAcks,
        file,
        loki.url
          ? lokiReader({
              connection: connect(loki.url, loki, 'verify.log.loki'),
              selector: loki.selector,
              match: loki.match,
              now,
            })
          : undefined,
      ])
    : 'disabled';

  const { tempo, jaeger, queryUrl } = verify.traces;
  const tempoConnection = tempo.url ? connect(tempo.url, tempo, 'verify.traces.tempo') : undefined;
  const trace = verify.traces.enabled
    ? chain([
        s.spanAcks,
        tempoConnection && traceByIdReader({ backend: 'tempo', connection: tempoConnection, now }),
        tempoConnection && tempo.search ? tempoSearchReader({ connection: tempoConnection, now }) : undefined,
        jaeger.url
          ? traceByIdReader({ backend: 'jaeger', connection: connect(jaeger.url, jaeger, 'verify.traces.jaeger'), now })
          : undefined,
        // A store by id, Tempo or Jaeger, with no tenant or credentials: the shorthand of earlier versions.
        queryUrl
          ? traceByIdReader({
              backend: 'trace_api',
              connection: connect(queryUrl, OPEN_CONNECTION, 'verify.traces'),
              now,
            })
          : undefined,
      ])
    : 'disabled';

  const m = verify.metrics;
  const metric = !m.enabled
    ? 'disabled'
    : [
        m.prometheusUrl
          ? prometheusReader({
              connection: connect(m.prometheusUrl, m, 'verify.metrics'),
              pathPrefix: m.pathPrefix,
              selector: m.selector || `instance="${s.hostPort}"`,
              now,
            })
          : ownMetricsReader({ render: s.render, now }),
      ];
  return { chains: { log, trace, metric }, logTailPosition: () => file?.position() };
}
