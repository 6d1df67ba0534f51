/**
 * A liveness prober in a process of its own (the test process may be busy serving hostile answers, so
 * its own event loop must not colour what is measured): asks `url` again and again, one request at a
 * time, and prints one JSON line per answer: `{"at":<epoch ms>,"ms":<latency>,"status":200}` or
 * `{"at":…,"ms":…,"error":"ECONNRESET"}`. On SIGTERM a request still waiting is printed as
 * `{"error":"still waiting"}` with the time it has waited so far, so a stall at the end is not lost.
 *
 * argv[2]: JSON { url, everyMs, timeoutMs, localAddress?, fresh? } (fresh: a new connection each time).
 */
import { Agent, get } from 'node:http';

const o = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  everyMs: number;
  timeoutMs: number;
  localAddress?: string;
  fresh?: boolean;
};
const agent = o.fresh ? false : new Agent({ keepAlive: true, maxSockets: 1 });
let inFlight: { at: number; start: number } | undefined;

const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

function probe(): void {
  const start = performance.now();
  const at = Date.now();
  inFlight = { at, start };
  let finished = false;
  const done = (result: { status?: number; error?: string }) => {
    if (finished) return;
    finished = true;
    inFlight = undefined;
    print({ at, ms: Number((performance.now() - start).toFixed(2)), ...result });
    setTimeout(probe, o.everyMs);
  };
  const req = get(
    o.url,
    { agent, timeout: o.timeoutMs, ...(o.localAddress ? { localAddress: o.localAddress } : {}) },
    (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode ?? 0 }));
      res.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    },
  );
  req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
  req.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
}

process.on('SIGTERM', () => {
  if (inFlight)
    print({ at: inFlight.at, ms: Number((performance.now() - inFlight.start).toFixed(2)), error: 'still waiting' });
  process.exit(0);
});
probe();
