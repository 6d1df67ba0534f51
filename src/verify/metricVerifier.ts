import { Agent, get } from 'node:http';
import { METRIC } from '../telemetry/metrics';
import type { SmokeRun } from '../smoke/types';
import { errored, missing, verified, type Clock, type Finding, type SignalVerifier } from './types';

/** Reads this instance's run counter (summed over its labels) from wherever it is scraped to. */
export interface CounterSource {
  readonly description: string;
  read(signal: AbortSignal): Promise<number>;
}

/** The PromQL that reads this instance's runs. */
export const runsQuery = (selector: string) => `sum(${METRIC.runs}{${selector}})`;

/** Prometheus' instant-query API, scoped to this instance by label matchers (known once listening). */
export function prometheusSource(baseUrl: string, selector: () => string): CounterSource {
  const api = `${baseUrl.replace(/\/+$/, '')}/api/v1/query?query=`;
  return {
    get description() {
      return `prometheus ${baseUrl} ${runsQuery(selector())}`;
    },
    async read(signal) {
      const res = await fetch(api + encodeURIComponent(runsQuery(selector())), { signal });
      if (!res.ok) throw new Error(`Prometheus answered HTTP ${res.status}`);
      const body = (await res.json()) as { status: string; data?: { result?: { value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`Prometheus query status ${body.status}`);
      const sample = body.data?.result?.[0];
      return sample ? Number(sample.value[1]) : 0; // no series yet: nothing scraped
    },
  };
}

/**
 * The daemon's own /metrics over HTTP: proves the exposition path when no Prometheus is configured.
 * node:http on one keep-alive connection, as a scraper would: fetch costs several times more per
 * request, and this runs every poll interval while runs await verification (bench/README.md).
 */
export function selfScrapeSource(metricsUrl: () => string, token = ''): CounterSource {
  const prefix = `${METRIC.runs}{`;
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return {
    description: 'own /metrics',
    async read(signal) {
      const text = await getText(metricsUrl(), { agent, headers, signal });
      let sum = 0;
      for (const line of text.split('\n')) if (line.startsWith(prefix)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      return sum;
    },
  };
}

function getText(url: string, options: { agent: Agent; headers: Record<string, string>; signal: AbortSignal }): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, options, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`/metrics answered HTTP ${res.statusCode}`));
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/**
 * Metric signal: verified when the counter has reached the run's seq. One poll loop serves every
 * pending run (a watermark), so a burst of runs costs one query per poll, not one per run.
 */
export function createMetricVerifier(o: { source: CounterSource; pollMs: number; now: Clock }): SignalVerifier {
  interface Pending {
    readonly run: SmokeRun;
    readonly deadlineMs: number;
    readonly done: (finding: Finding) => void;
  }
  let pending: Pending[] = [];
  let lastError: string | undefined;
  let polling = false;

  const notReached = (p: Pending, error: string | undefined): Finding =>
    error ? errored('query_failed', error) : missing('not_found', `counter below seq ${p.run.seq} (${o.source.description})`);

  async function poll(): Promise<void> {
    if (polling || pending.length === 0) return;
    polling = true;
    try {
      const value = await o.source.read(AbortSignal.timeout(Math.max(100, o.pollMs * 4)));
      lastError = undefined;
      const atMs = o.now();
      pending = pending.filter((p) => (p.run.seq <= value ? (p.done(verified(Math.max(0, atMs - p.run.startedAt.getTime()) / 1000)), false) : true));
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      polling = false;
      expire();
    }
  }

  function expire(): void {
    const now = o.now();
    pending = pending.filter((p) => (p.deadlineMs <= now ? (p.done(notReached(p, lastError)), false) : true));
  }

  const timer = setInterval(() => {
    expire();
    void poll();
  }, o.pollMs);
  timer.unref();

  return {
    verify(run, deadlineMs, done) {
      pending.push({ run, deadlineMs, done });
    },
    stop() {
      clearInterval(timer);
      for (const p of pending) p.done(notReached(p, undefined));
      pending = [];
    },
  };
}
