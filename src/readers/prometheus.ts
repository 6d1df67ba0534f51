import type { SmokeRun } from '../smoke/types';
import { METRIC, PROCESS_LABEL } from '../vocabulary';
import { connect, type Connection } from './connection';
import { counterReader } from './counter';
import { HttpError, parseJson } from './httpClient';
import type { PolledReader, Pushes, Refusals, Store } from './types';
import { ANSWER_LIMITS } from './limits';

/** Label matchers for one process's run counter: its own id, so no other process's samples count. */
export const processMatchers = (matchers: string, processId: string) =>
  [`${PROCESS_LABEL}="${processId}"`, ...(matchers ? [matchers] : [])].join(',');

/**
 * The PromQL that reads one process's runs: its counter summed over its own labels per scrape target
 * (a daemon scraped by two jobs must not count twice), the highest target taken.
 */
export const runsQuery = (matchers: string) => `max(sum without (trigger, outcome) (${METRIC.runs}{${matchers}}))`;

interface InstantAnswer {
  status?: string;
  data?: { result?: { value?: [number, string] }[] };
}

export interface PrometheusReaderOptions {
  connection: Connection;
  pathPrefix: string;
  /** Label matchers besides the process id (the pipeline, an operator's selector); "" for none. */
  matchers: string;
  processId: string;
  now: () => number;
  scrapes?: Refusals;
  pushes?: Pushes;
}

/**
 * A Prometheus-compatible instant-query API (Prometheus, VictoriaMetrics, Mimir or Thanos behind
 * `pathPrefix`). The counter is read by this process's id label, which it picked at start: a
 * restarted daemon's old samples, or another daemon's, can never verify its runs.
 */
export function prometheusReader(options: PrometheusReaderOptions): PolledReader {
  /** One instant query's single value (0: no series, nothing scraped). */
  async function instant(promql: string, atMs: number | undefined, signal: AbortSignal): Promise<number> {
    const params = new URLSearchParams({
      query: promql,
      ...(atMs === undefined ? {} : { time: (atMs / 1000).toFixed(3) }),
    });
    const { body } = await options.connection.get(`${options.pathPrefix}/api/v1/query?${params}`, {
      signal,
      maxBytes: ANSWER_LIMITS.prometheus.maxBytes,
    });
    const answer = parseJson<InstantAnswer>(body);
    if (answer.status !== 'success') throw new HttpError('malformed', `query status ${String(answer.status)}`);
    const sample = answer.data?.result?.[0]?.value?.[1];
    return sample === undefined ? 0 : Number(sample);
  }
  const matchersOf = (run: SmokeRun) => processMatchers(options.matchers, run.process ?? options.processId);
  const query = runsQuery(processMatchers(options.matchers, options.processId));
  const reader = counterReader({
    backend: 'prometheus',
    ...(options.pushes ? { pushes: options.pushes } : {}),
    // The process id left out: what is asked is the same query in every process of this daemon.
    asked: `${options.connection.shown}${options.pathPrefix}/api/v1/query for ${runsQuery(processMatchers(options.matchers, '<this process>'))}`,
    readCounter: (signal) => instant(query, undefined, signal),
    // A restored run counts in its own process's counter: the highest it reached between the run and the restart.
    readEarlier: (run, signal) => {
      const windowS = Math.ceil(((run.restoredAtMs ?? options.now()) - run.startedAt.getTime()) / 1000) + 60;
      const earlier = `max(sum without (trigger, outcome) (max_over_time(${METRIC.runs}{${matchersOf(run)}}[${windowS}s])))`;
      return instant(earlier, run.restoredAtMs, signal);
    },
    // The counter as the store holds it for the time the run was verified: gone if the data is.
    readAt: (run, atMs, signal) => instant(runsQuery(matchersOf(run)), atMs, signal),
  });
  const explain = () =>
    [refusedScrapes(options.scrapes, options.now()), failedPushes(options.pushes, options.now())]
      .filter(Boolean)
      .join('; ') || undefined;
  return { ...reader, explain };
}

const secondsAgo = (nowMs: number, atMs: number) => Math.max(0, Math.round((nowMs - atMs) / 1000));

/** Words for a miss while this daemon refuses its scraper: the store cannot hold what it was never given. */
export function refusedScrapes(scrapes: Refusals | undefined, nowMs: number): string | undefined {
  const refused = scrapes?.refused();
  if (!refused) return undefined;
  return `${refused.count} scrape(s) of /metrics refused (401), the last ${secondsAgo(nowMs, refused.lastAtMs)} s ago: give Prometheus the bearer token (its authorization)`;
}

/** Words for a miss while the store refuses the pushed counter: cumulative, so the next push that lands carries it. */
export function failedPushes(pushes: Refusals | undefined, nowMs: number): string | undefined {
  const failed = pushes?.refused();
  if (!failed) return undefined;
  const status = failed.status ? ` (HTTP ${failed.status})` : '';
  return `${failed.count} OTLP push(es) of the run counter failed${status}, the last ${secondsAgo(nowMs, failed.lastAtMs)} s ago`;
}

/** The metric signal, from a Prometheus-compatible query API: verify.metrics.prometheusUrl. */
export const prometheusStore: Store = {
  signal: 'metric',
  readers: ({ metrics: m }, { pipeline, processId, now, scrapes, pushes }) =>
    m.prometheusUrl
      ? [
          prometheusReader({
            connection: connect(m.prometheusUrl, m, 'verify.metrics'),
            pathPrefix: m.pathPrefix,
            matchers: [`pipeline="${pipeline}"`, ...(m.selector ? [m.selector.replace(/,\s*$/, '')] : [])].join(','),
            processId,
            now,
            scrapes,
            pushes,
          }),
        ]
      : [],
};
