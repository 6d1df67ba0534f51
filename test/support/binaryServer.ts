import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { releaseAfter } from './cleanup';

/** A missing binary is an error, not a skip: the README's test command installs its Debian package. */
export function requireBinary(command: string, versionFlag: string, debianPackage: string): void {
  if (spawnSync(command, [versionFlag]).error)
    throw new Error(
      `${command} is not installed: run the README test command, which installs the Debian package "${debianPackage}"`,
    );
}

/**
 * A server binary (Prometheus, Alertmanager, VictoriaMetrics) started with `args`; resolves once
 * `readyUrl` answers 2xx. If it exits first, the error carries what it printed.
 */
export async function startBinaryServer(
  command: string,
  args: readonly string[],
  readyUrl: string,
): Promise<{ stop(): Promise<void> }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = once(child, 'exit');
  releaseAfter(command, () => stop(child, exited));
  // Readiness has no push notification: ask until it answers (bounded by the caller's test timeout).
  for (;;) {
    const ready = await Promise.race([
      fetch(readyUrl).then(
        (r) => r.ok,
        () => false,
      ),
      exited.then(() => {
        throw new Error(`${command} exited during start-up:\n${output}`);
      }),
    ]);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { stop: () => stop(child, exited) };
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await exited;
}
