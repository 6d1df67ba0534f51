import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { releaseAfter } from './cleanup';
import type { Receipt } from './receipts';

/**
 * What the chaos suite (test/chaos) shares: the daemon's memory read from /proc, a liveness prober in
 * a process of its own, timed deploy gates, the daemon's own counters, and the wall clock of a daemon
 * run under libfaketime. Each chaos test prints what it measured with `report`.
 */

export const MiB = 2 ** 20;
export const mib = (bytes: number) => Number((bytes / MiB).toFixed(1));

/** The daemon's resident set now (VmRSS) and its peak since start or the last `resetPeak` (VmHWM), in bytes. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/** How many sockets the process has open (its listeners and every connection), from /proc/<pid>/fd. */
export function socketsOf(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) count += 1;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

/** Sets the process's peak RSS (VmHWM) back to its RSS now (Linux: `echo 5 > /proc/<pid>/clear_refs`). */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/**
 * Samples VmRSS every `everyMs` until stopped; the peak is the larger of the samples' maximum and
 * the kernel's VmHWM (which sees between samples), so nothing between two samples is missed.
 */
export function sampleMemory(pid: number, everyMs = 50) {
  let maxRss = 0;
  let samples = 0;
  const sample = () => {
    try {
      maxRss = Math.max(maxRss, memoryOf(pid).rss);
      samples += 1;
    } catch {
      // the process is gone: the last sample stands
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  releaseAfter('memory sampler', () => clearInterval(timer));
  return {
    /** The peak so far, bytes: sampled VmRSS, or VmHWM when higher. */
    peak(): number {
      sample();
      let hwm = 0;
      try {
        hwm = memoryOf(pid).hwm;
      } catch {
        // gone
      }
      return Math.max(maxRss, hwm);
    },
    stop(): { peak: number; samples: number } {
      const peak = this.peak();
      clearInterval(timer);
      return { peak, samples };
    },
  };
}

export interface Probe {
  /** When it was sent, epoch ms. */
  readonly at: number;
  /** How long the answer took (or how long it had waited, for an error). */
  readonly ms: number;
  readonly status?: number;
  readonly error?: string;
}

const PROBER = path.join(__dirname, 'chaosProber.js');

/**
 * /livez asked again and again from a process of its own, one request at a time, `everyMs` apart,
 * each with `timeoutMs`; `localAddress` picks the loopback address it comes from, `fresh` a new
 * connection per request. `stop()` ends it and resolves with every probe (a stalled one included).
 */
export async function probeLivez(
  baseUrl: string,
  o: { everyMs?: number; timeoutMs?: number; localAddress?: string; fresh?: boolean } = {},
) {
  const child = spawn(
    process.execPath,
    [
      PROBER,
      JSON.stringify({ url: `${baseUrl}/livez`, everyMs: o.everyMs ?? 20, timeoutMs: o.timeoutMs ?? 10_000, ...o }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  releaseAfter('livez prober', async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const probes: Probe[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    probes.push(JSON.parse(line) as Probe);
    for (const w of waiters.filter((w) => probes.length >= w.count)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  /** Resolves once `count` probes have answered or failed. */
  const until = (count: number) =>
    Promise.race([
      probes.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })),
      exited.then(() => Promise.reject(new Error(`the prober exited after ${probes.length} probes`))),
    ]);
  await until(1);
  return {
    probes,
    until,
    /** The probes sent in [from, to) (epoch ms). */
    between: (from: number, to = Infinity) => probes.filter((p) => p.at >= from && p.at < to),
    async stop(): Promise<Probe[]> {
      child.kill('SIGTERM');
      await exited;
      return probes;
    },
  };
}

/**
 * Count, failures, and the latency percentiles and worst of a set of probes (ms). A probe cut short
 * by `stop()` ("still waiting") is no failure (it had not reached its timeout), but its wait so far
 * counts towards the worst.
 */
export function probeSummary(probes: readonly Probe[]) {
  const cutShort = (p: Probe) => p.error === 'still waiting';
  const answered = probes.filter((p) => p.status === 200).map((p) => p.ms);
  const sorted = [...answered].sort((a, b) => a - b);
  const pct = (q: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
  const failed = probes.filter((p) => p.status !== 200 && !cutShort(p));
  return {
    count: probes.length,
    failed: failed.length,
    errors: [...new Set(failed.map((p) => p.error ?? String(p.status)))],
    p50: pct(0.5),
    p99: pct(0.99),
    worst: Math.max(0, ...probes.map((p) => p.ms)),
  };
}

/** A deploy gate (POST {"id","wait":true}) and how long it took to answer, ms. */
export async function timedGate(
  baseUrl: string,
  id: string,
): Promise<{ id: string; status: number; receipt: Receipt; ms: number }> {
  const start = performance.now();
  const res = await fetch(`${baseUrl}/smoke-test`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, wait: true }),
  });
  const receipt = (await res.json()) as Receipt;
  return { id, status: res.status, receipt, ms: performance.now() - start };
}

/** The value of one sample of the daemon's own exposition (0 when absent). */
export async function counterValue(
  baseUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics?name=${name}`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) total += Number(m[3]);
  }
  return total;
}

/** A line of measurements under the test's title, for the report (and CI logs). */
export function report(what: string, values: Record<string, unknown>): void {
  const text = Object.entries(values)
    .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
  process.stdout.write(`      [measured] ${what}: ${text}\n`);
}

/** Debian's libfaketime: a daemon run under it reads its wall clock from a file the test writes. */
export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
export const hasFaketime = () => existsSync(LIBFAKETIME);

/**
 * A wall clock under the test's control: the environment that makes a process read its wall clock
 * through libfaketime from `file` (re-read on every call), and `step(seconds)` that moves it (an
 * offset from the real time, as an NTP step would). The monotonic clocks are left alone, as a real
 * step leaves them.
 */
export function fakeWallClock(file: string) {
  writeFileSync(file, '+0\n');
  return {
    env: {
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: file,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    },
    /** The daemon's wall clock is now real time plus `offsetSeconds`. */
    set(offsetSeconds: number): void {
      writeFileSync(file, `${offsetSeconds >= 0 ? '+' : ''}${offsetSeconds}\n`);
    },
  };
}
