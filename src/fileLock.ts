import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hostname } from 'node:os';

/** Who holds a lock: enough to tell a live daemon from one that was killed and left its lock behind. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  /** The kernel's boot id and the process's start time: a pid reused after a reboot or a restart is not the holder. */
  readonly boot: string;
  readonly started: string;
}

export class FileInUseError extends Error {
  override readonly name = 'FileInUseError';
}

const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
};
/** The fields of /proc/<pid>/stat after the command name; the 20th of them is the start time. */
const startTimeOf = (pid: number) => read(`/proc/${pid}/stat`).split(') ')[1]?.split(' ')[19] ?? '';
const me = (): Holder => ({
  pid: process.pid,
  host: hostname(),
  boot: read('/proc/sys/kernel/random/boot_id'),
  started: startTimeOf(process.pid),
});

function alive(holder: Holder): boolean {
  if (holder.pid === process.pid || holder.host !== hostname() || holder.boot !== me().boot) return false;
  if (holder.started) return startTimeOf(holder.pid) === holder.started;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `<file>.lock`, holding this process: a second live daemon on the same state, log or span file is
 * refused at start (the two would read each other's runs and lines as their own). A lock left by a
 * daemon that is gone (killed, the machine restarted) is taken over. A lock file that names a host
 * other than this one is taken to be gone too: two machines sharing one directory are not detected.
 */
export function lockFile(file: string, what: string): () => void {
  const lock = `${file}.lock`;
  const text = JSON.stringify(me());
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      mkdirSync(path.dirname(path.resolve(lock)), { recursive: true });
      writeFileSync(lock, text, { flag: 'wx', mode: 0o600 });
      return () => {
        if (read(lock) === text) rmSync(lock, { force: true });
      };
    } catch (err) {
      // A directory that cannot be written: the file itself cannot be either, and its own check says
      // what to do (or the log falls back to stdout); there is nothing to guard.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !existsSync(lock)) return () => {};
    }
    let holder: Holder | undefined;
    try {
      holder = JSON.parse(read(lock)) as Holder;
    } catch {
      holder = undefined;
    }
    if (holder && alive(holder))
      throw new FileInUseError(
        `${what} ${file} is in use by another petsage-smoke (pid ${holder.pid}); give each daemon its own`,
      );
    rmSync(lock, { force: true });
  }
  throw new FileInUseError(`cannot lock ${what} ${file} (${lock} keeps coming back)`);
}
