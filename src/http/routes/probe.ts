import type Router from '@koa/router';
import { setTimeout as sleep } from 'node:timers/promises';
import { Gauge, Registry } from 'prom-client';
import type { RunReport } from '../../verify/judge';
import { PROBE_METRIC, PROBE_PATH, SIGNALS } from '../../vocabulary';
import { LIMITED, PIPELINE_PARAMETER, SHED, error, text } from '../openapi';
import type { AppContext, Routes } from '../types';
import { pipelineOf, startRun } from './smokeTest';

/** Prometheus sends how long it waits for a scrape; without it, `probe.timeout`. Never less than this. */
const MIN_WAIT_MS = 100;

/** How long a probe waits for its verdict: the scrape's timeout less the offset (blackbox_exporter's --timeout-offset). */
export function probeWaitMs(header: string, settings: { timeout: number; timeoutOffset: number }): number {
  const scrape = Number(header) * 1000;
  const timeout = header !== '' && Number.isFinite(scrape) && scrape > 0 ? scrape : settings.timeout;
  return Math.max(MIN_WAIT_MS, timeout - settings.timeoutOffset);
}

/**
 * One probe's answer in Prometheus text, from a registry of its own: success only when every signal
 * was verified in time; per signal its success, lag, and verdict (pending when the scrape's time ran out).
 */
async function probeText(report: RunReport, seconds: number): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  gauge(PROBE_METRIC.success, 'Whether every signal of the run was verified before the scrape timed out.').set(
    report.status === 'verified' ? 1 : 0,
  );
  gauge(PROBE_METRIC.duration, 'Seconds from the request to the answer: the run and its read-back.').set(seconds);
  const success = gauge(PROBE_METRIC.signalSuccess, 'Whether the signal was verified.', ['signal']);
  const lag = gauge(PROBE_METRIC.signalLag, 'Seconds from the run to the confirmation that the signal arrived.', [
    'signal',
  ]);
  const verdict = gauge(
    PROBE_METRIC.signalVerdict,
    "The signal's verdict, by outcome and reason (pending: not yet judged).",
    ['signal', 'outcome', 'reason'],
  );
  for (const signal of SIGNALS) {
    const v = report.verdicts[signal];
    success.set({ signal }, v?.outcome === 'verified' ? 1 : 0);
    if (v?.lagSeconds !== undefined) lag.set({ signal }, v.lagSeconds);
    verdict.set({ signal, outcome: v?.outcome ?? 'pending', reason: v?.reason ?? 'none' }, 1);
  }
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** GET /probe: a run that Prometheus drives and waits for, in the blackbox_exporter convention. */
export const probeRoutes: Routes = {
  paths: () => ({
    [PROBE_PATH]: {
      get: {
        summary:
          'One run on a pipeline, answered once its signals are read back or the scrape timeout (X-Prometheus-Scrape-Timeout-Seconds less probe.timeoutOffset) runs out: probe_success and per-signal results',
        parameters: [PIPELINE_PARAMETER],
        responses: {
          200: text(['text/plain'], 'Prometheus text: probe_success, probe_duration_seconds, probe_signal_*'),
          400: error('malformed pipeline name'),
          404: error('no such pipeline'),
          ...LIMITED,
          ...SHED,
        },
      },
    },
  }),
  register(router: Router, deps: AppContext) {
    router.get(PROBE_PATH, ...deps.guard.runs, async (ctx) => {
      const start = performance.now();
      const pipeline = pipelineOf(ctx, deps.runs, ctx.query.pipeline);
      const waitMs = probeWaitMs(ctx.get('X-Prometheus-Scrape-Timeout-Seconds'), deps.probe);
      const report = startRun(ctx, deps.runs, 'probe', { pipeline });
      const timedOut = new AbortController();
      await Promise.race([
        report.settled,
        sleep(waitMs, undefined, { signal: timedOut.signal }).catch(() => undefined),
      ]);
      timedOut.abort();
      const { contentType, body } = await probeText(report, (performance.now() - start) / 1000);
      ctx.type = contentType;
      ctx.body = body;
    });
  },
};
