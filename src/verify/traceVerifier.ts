import type { Waiters } from './waiters';
import { errored, missing, verified, type Clock, type SignalVerifier } from './types';

/** What the exporter said about a run span's batch. */
export interface SpanAck {
  readonly ok: boolean;
  readonly atMs: number;
  readonly error?: string;
}

/**
 * Trace signal: the exporter acknowledged the run span; with `queryUrl`, the trace is also found
 * by id in a Tempo- or Jaeger-compatible API (both answer GET /api/traces/<id>, 404 until stored).
 */
export function createTraceVerifier(o: { acks: Waiters<SpanAck>; queryUrl: string; pollMs: number; now: Clock }): SignalVerifier {
  let stopped = false;
  const base = o.queryUrl.replace(/\/+$/, '');

  async function findTrace(traceId: string, deadlineMs: number): Promise<{ atMs?: number; lastError?: string }> {
    let lastError: string | undefined;
    while (!stopped && o.now() < deadlineMs) {
      try {
        const res = await fetch(`${base}/api/traces/${traceId}`, { signal: AbortSignal.timeout(Math.max(1, Math.min(5000, deadlineMs - o.now()))) });
        await res.body?.cancel();
        if (res.ok) return { atMs: o.now() };
        lastError = res.status === 404 ? undefined : `HTTP ${res.status}`;
      } catch (err) {
        lastError = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, Math.min(o.pollMs, Math.max(0, deadlineMs - o.now()))));
    }
    return lastError ? { lastError } : {};
  }

  return {
    verify(run, deadlineMs, done) {
      const lag = (atMs: number) => verified(Math.max(0, atMs - run.startedAt.getTime()) / 1000);
      o.acks.wait(run.traceId, deadlineMs, (ack) => {
        if (!ack) return done(missing('timeout', 'the exporter did not answer before the deadline'));
        if (!ack.ok) return done(errored('export_failed', ack.error));
        if (!base) return done(lag(ack.atMs));
        void findTrace(run.traceId, deadlineMs).then((found) => {
          if (found.atMs !== undefined) done(lag(found.atMs));
          else done(found.lastError ? errored('query_failed', found.lastError) : missing('not_found'));
        });
      });
    },
    stop() {
      stopped = true;
      o.acks.stop();
    },
  };
}
