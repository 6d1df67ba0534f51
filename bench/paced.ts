import { Agent, get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Timed {
  /** Milliseconds from sending each request to the end of its response, in the order answered. */
  readonly latenciesMs: number[];
  readonly ok: number;
  readonly failed: number;
}

/** One GET on a keep-alive socket, timed from sending to the end of the answer. */
function timedGet(
  url: string,
  agent: Agent,
  into: { latenciesMs: number[]; ok: number; failed: number },
): Promise<void> {
  return new Promise((resolve) => {
    const sent = performance.now();
    get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => {
        into.latenciesMs.push(performance.now() - sent);
        if (res.statusCode === 200) into.ok += 1;
        else into.failed += 1;
        resolve();
      });
    }).on('error', () => {
      into.failed += 1;
      resolve();
    });
  });
}

/**
 * Open-loop load at a fixed rate: request i is sent at start + i/rate whether or not earlier
 * answers are in (a slow answer takes another keep-alive socket instead of holding the next
 * request back), so latency is the server's answer to an even stream of requests.
 *
 * autocannon's rate option is not this: each connection sends its whole per-second quota at
 * the start of every second, so its p99 is the queue behind that burst, and it pads the
 * histogram with coordinated-omission samples for a 1 ms interval (`Math.ceil(1 / rate)`).
 */
export async function pacedLoad(url: string, rate: number, count: number): Promise<Timed> {
  const agent = new Agent({ keepAlive: true });
  const result = { latenciesMs: [] as number[], ok: 0, failed: 0 };
  const answers: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i += 1) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    answers.push(timedGet(url, agent, result));
  }
  await Promise.all(answers);
  agent.destroy();
  return result;
}

/** One request after another on one keep-alive connection, as a scraper does. */
export async function sequentialLoad(url: string, count: number): Promise<Timed> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const result = { latenciesMs: [] as number[], ok: 0, failed: 0 };
  for (let i = 0; i < count; i += 1) await timedGet(url, agent, result);
  agent.destroy();
  return result;
}
