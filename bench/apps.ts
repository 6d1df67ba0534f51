/**
 * The apps the benchmarks compare, and how to start, measure and stop them: bare Koa, the required
 * stack and the daemon, each its own process on 127.0.0.1, and the scratch OTLP receiver.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../test/support/prometheus';

const DIST = path.join(__dirname, '..');

export interface Target {
  name: string;
  url: string;
  child: ChildProcess;
  readyMs: number;
  okResponses: number;
}

export const rssBytes = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
/** A process's user + system CPU seconds so far, all threads (/proc/<pid>/stat fields 14 and 15, in USER_HZ = 100 ticks a second). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Spawns and asks /readyz until it answers: the time from spawn to ready. */
export async function start(
  name: string,
  args: (port: number) => string[],
  env: Record<string, string> = {},
): Promise<Target> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, args(port), {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  return { name, url, child, readyMs: performance.now() - t0, okResponses: 0 };
}

export async function stop(target: Target) {
  const exited = once(target.child, 'exit');
  target.child.kill('SIGTERM');
  const [code] = await exited;
  return code as number;
}

/** The OTLP receiver in its own process (bench/receiver.ts), asked over IPC. */
export async function startReceiver() {
  const child = fork(path.join(DIST, 'bench', 'receiver.js'), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = async () => ((await once(child, 'message')) as [unknown])[0];
  const { endpoint } = (await next()) as { endpoint: string };
  return {
    endpoint,
    ask: (message: 'count') => (child.send(message), next()),
    close: () => child.disconnect(),
  };
}

export interface App {
  name: 'bare-koa' | 'required-stack' | 'petsage-smoke';
  env?: Record<string, string>;
  /** The node arguments, given a port and where the app writes its log. */
  args: (port: number, logFile: string) => string[];
}

/** The three apps, exporting to the receiver at `otlpEndpoint`; the daemon as in production, but
 * flooded from one address (no rate limit) and with no schedule of its own. */
export function benchApps(dir: string, otlpEndpoint: string): App[] {
  const daemonEnv = {
    PETSAGE_SMOKE_LOG_STDOUT: 'false',
    PETSAGE_SMOKE_INTERVAL: '0',
    PETSAGE_SMOKE_RATE_LIMIT_MAX: '0', // the bench floods from one address on purpose
    PETSAGE_SMOKE_STATE_FILE: path.join(dir, 'state.json'),
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', // so the receiver can count the spans it gets
  };
  return [
    { name: 'bare-koa', args: (port) => [path.join(DIST, 'bench', 'bareKoa.js'), String(port)] },
    {
      name: 'required-stack',
      args: (port, logFile) => [path.join(DIST, 'bench', 'requiredStack.js'), String(port), logFile, otlpEndpoint],
    },
    {
      name: 'petsage-smoke',
      env: daemonEnv,
      args: (port, logFile) => [path.join(DIST, 'src', 'main.js'), '--log-file', logFile, '--port', String(port)],
    },
  ];
}
