/**
 * No false pages: the daemon, a real Prometheus and a real Alertmanager (the shipped rules and
 * config, timings divided by 15, so every rule gets 15 times the chances to misfire) on a healthy
 * pipeline for N minutes, with scheduled runs and concurrent HTTP runs. Reports the notifications
 * received (pages and tickets; must be zero), verdicts by outcome, and the daemon's RSS and CPU over
 * time. Exit 1 on any notification.
 *
 *   npm run soak -- --minutes 30      (default 5; CI runs a short one)
 *   npm run soak -- --minutes 20 --shipped
 *       every timing as shipped instead (a 15 s scrape, evaluation and schedule, a 30 s read-back,
 *       each rule's own `for`), the metric read back through that Prometheus as in production
 */
import { readFileSync } from 'node:fs';
import { METRIC } from '../src/vocabulary';
import { UNLIMITED } from '../test/support/daemon';
import { startAlertStack } from '../test/support/alertStack';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const MINUTES = arg('minutes', 5);
const SHIPPED_TIMINGS = process.argv.includes('--shipped');
const CLIENTS = 4;
const CLIENT_PERIOD_MS = 400; // 4 clients: 10 HTTP runs a second, besides the schedule
const SAMPLE_MS = Math.min(60_000, (MINUTES * 60_000) / 10);
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** The process' CPU seconds so far and its RSS, from /proc. */
function usage(pid: number): { cpuSeconds: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuSeconds, rssMiB: rssKiB / 1024 };
}

async function main(): Promise<void> {
  if (!(MINUTES > 0)) throw new Error('--minutes must be a positive number');
  const stack = await startAlertStack({ env: { ...UNLIMITED }, shipped: SHIPPED_TIMINGS });
  const pid = stack.daemon.child.pid!;
  const started = Date.now();
  const endAt = started + MINUTES * 60_000;
  let httpRuns = 0;
  let httpFailures = 0;
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (Date.now() < endAt) {
      const res = await fetch(`${stack.daemon.url}/smoke-test`).catch(() => undefined);
      if (res?.ok) httpRuns += 1;
      else httpFailures += 1;
      await res?.arrayBuffer();
      await new Promise((r) => setTimeout(r, CLIENT_PERIOD_MS));
    }
  });
  const samples: { minute: number; rss_mib: number; cpu_percent: number }[] = [];
  let last = { at: started, ...usage(pid) };
  const sampler = setInterval(() => {
    const now = { at: Date.now(), ...usage(pid) };
    samples.push({
      minute: Number(((now.at - started) / 60_000).toFixed(2)),
      rss_mib: Number(now.rssMiB.toFixed(1)),
      cpu_percent: Number(((100 * (now.cpuSeconds - last.cpuSeconds)) / ((now.at - last.at) / 1000)).toFixed(1)),
    });
    last = now;
  }, SAMPLE_MS);
  try {
    await Promise.all(clients);
    clearInterval(sampler);
    // Let the rules see the last runs' verdicts before counting.
    await new Promise((r) => setTimeout(r, 5000));
    const verdicts: Record<string, number> = {};
    for (const s of await stack.prometheus.query(`sum by (signal, outcome) (${METRIC.verifications})`))
      verdicts[`${s.metric.signal}/${s.metric.outcome}`] = Number(s.value[1]);
    const notifications = stack.receiver.received.filter((n) => n.path !== '/heartbeat');
    const heartbeats = stack.receiver.received.length - notifications.length;
    const report = {
      minutes: MINUTES,
      timings: SHIPPED_TIMINGS ? 'shipped' : 'divided by 15',
      http_runs: httpRuns,
      http_failures: httpFailures,
      notifications: notifications.map((n) => ({ status: n.status, ...n.labels })),
      heartbeats,
      verdicts,
      samples,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      `\n${notifications.length} notifications (pages and tickets), ${heartbeats} heartbeats; ${httpRuns} HTTP runs (${httpFailures} failed requests)\n`,
    );
    if (notifications.length > 0 || httpFailures > 0 || heartbeats === 0) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    await stack.close();
  }
}

void main();
