import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { releaseAfter } from './cleanup';
import { tmpDir } from './tmp';

export const MAIN = path.join(__dirname, '..', '..', 'src', 'main.js');

/** For tests that flood the daemon on purpose: the default rate limit (60 runs a minute per client) off. */
export const UNLIMITED = { PETSAGE_SMOKE_RATE_LIMIT_MAX: '0' } as const;

export interface SpawnedDaemon {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly dir: string;
  readonly logFile: string;
  readonly spanFile: string;
  /** Every stdout line so far (JSON log lines). */
  readonly stdout: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout line whose JSON `event` matches (and `where`, if given). */
  waitForEvent(event: string, where?: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resolves once stderr holds `text` (stderr and stdout are two pipes: neither arrives first for sure). */
  waitForStderr(text: string): Promise<void>;
  stderr(): string;
}

/** Runs the built daemon on a free loopback port with its log and spans in a fresh directory.
 * Its stdout log (on by default) is how the harness learns the URL. `install`: a daemon installed
 * elsewhere (its main.js and working directory, and the user to run as), with its own file paths. */
export async function spawnDaemon(
  options: {
    args?: string[];
    env?: Record<string, string>;
    install?: { main: string; cwd: string; uid?: number; gid?: number };
    /** A directory of an earlier daemon: this one writes the same log and span files (a restart). */
    dir?: string;
    /**
     * A daemon under load (tens of thousands of runs): not covered. Node passes NODE_V8_COVERAGE on to
     * every child process, and precise coverage counts every block the daemon runs, which makes a
     * flood several times slower; the code a flood runs is covered by the other daemons.
     */
    load?: boolean;
  } = {},
): Promise<SpawnedDaemon> {
  const dir = options.install?.cwd ?? options.dir ?? tmpDir('petsage-daemon-');
  const logFile = path.join(dir, options.install ? 'var' : '', 'log', 'petsage-smoke.log');
  const spanFile = path.join(
    dir,
    options.install ? 'var' : '',
    'spans',
    options.install ? 'petsage-smoke-spans.jsonl' : 'spans.jsonl',
  );
  const paths = options.install ? [] : ['--log-file', logFile];
  const child = spawn(
    process.execPath,
    [options.install?.main ?? MAIN, '--port', '0', ...paths, ...(options.args ?? [])],
    {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        ...(options.install ? {} : { PETSAGE_SMOKE_SPAN_FILE: spanFile }),
        ...(options.load ? { NODE_V8_COVERAGE: '' } : {}),
        ...options.env,
      },
      ...(options.install?.uid !== undefined
        ? { uid: options.install.uid, gid: options.install.gid ?? options.install.uid }
        : {}),
    },
  );
  // 'close', not 'exit': by then stdout and stderr have been read to the end, so whatever the daemon
  // printed before it exited is in `stdout` and `stderr()`.
  const exited = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  // A test that stops its daemon checks how it stopped; one that failed first leaves it to this.
  releaseAfter('daemon', async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let stderr = '';
  const stderrWaiters: { text: string; resolve: () => void }[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const w of stderrWaiters.filter((w) => stderr.includes(w.text))) {
      stderrWaiters.splice(stderrWaiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const stdout: string[] = [];
  type Match = (line: Record<string, unknown>) => boolean;
  const waiters: { match: Match; resolve: (line: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdout.push(line);
    const parsed = safeParse(line);
    if (!parsed) return;
    for (const w of waiters.filter((w) => w.match(parsed))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(parsed);
    }
  });
  const waitForEvent = (event: string, where: Match = () => true) => {
    const match: Match = (l) => l.event === event && where(l);
    const seen = stdout.map((l) => safeParse(l)).find((l) => l !== undefined && match(l));
    if (seen) return Promise.resolve(seen);
    return Promise.race([
      new Promise<Record<string, unknown>>((resolve) => waiters.push({ match, resolve })),
      exited.then(({ code }) => {
        throw new Error(`daemon exited (${code}) before "${event}"; stderr: ${stderr}`);
      }),
    ]);
  };
  const listening = await waitForEvent('daemon.listening');
  return {
    child,
    url: String(listening.url),
    dir,
    logFile,
    spanFile,
    stdout,
    exited,
    waitForEvent,
    waitForStderr: (text) =>
      stderr.includes(text)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => stderrWaiters.push({ text, resolve })),
            exited.then(({ code }) => {
              throw new Error(`daemon exited (${code}) before printing "${text}" to stderr; stderr: ${stderr}`);
            }),
          ]),
    stderr: () => stderr,
  };
}

/** Stops a daemon as an orchestrator does (SIGTERM) and resolves with how it exited. A test that
 * fails before this leaves the daemon to the cleanup hooks, which kill it. */
export async function stopDaemon(
  daemon: SpawnedDaemon,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  daemon.child.kill('SIGTERM');
  return daemon.exited;
}

function safeParse(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Parsed JSON lines of a file (every line must be JSON: that is the contract). */
export function jsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
}

/** Spans in an OTLP/JSON lines file (one ExportTraceServiceRequest per line). */
export function otlpSpans(file: string): OtlpSpan[] {
  return jsonLines(file).flatMap((req) =>
    (req.resourceSpans as { scopeSpans: { spans: OtlpSpan[] }[] }[]).flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) => ss.spans),
    ),
  );
}
