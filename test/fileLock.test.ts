import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { FileInUseError, lockFile } from '../src/fileLock';
import { releaseAfter } from './support/cleanup';
import { tmpDir } from './support/tmp';

/** A lock as another live process on this machine would hold it: a real child process's pid and start time. */
async function liveHolder(lock: string) {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  releaseAfter('lock holder', () => child.kill('SIGKILL'));
  await once(child, 'spawn');
  const started = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
  const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  writeFileSync(lock, JSON.stringify({ pid: child.pid, host: hostname(), boot, started }));
  return child;
}

describe('file lock', () => {
  it('takes a free file, and lets go of it: the lock file is gone', () => {
    const file = path.join(tmpDir(), 'state', 'petsage-smoke.json');
    const release = lockFile(file, 'the state file');
    expect(existsSync(`${file}.lock`)).to.equal(true);
    release();
    expect(existsSync(`${file}.lock`)).to.equal(false);
  });

  it('another live daemon holds it: refused, in one line naming the file; once that daemon is gone, taken over', async () => {
    const file = path.join(tmpDir(), 'petsage-smoke.log');
    const holder = await liveHolder(`${file}.lock`);
    expect(() => lockFile(file, 'the log file')).to.throw(
      FileInUseError,
      `the log file ${file} is in use by another petsage-smoke (pid ${holder.pid}); give each daemon its own`,
    );
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const release = lockFile(file, 'the log file');
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8'))).to.include({ pid: process.pid });
    release();
  });

  it('a lock left behind (garbage, a pid now reused by another program, this very process restarted as pid 1) is taken over', () => {
    const file = path.join(tmpDir(), 'spans.jsonl');
    for (const left of [
      'not json',
      JSON.stringify({ pid: process.pid, host: hostname(), boot: '', started: '' }),
      JSON.stringify({ pid: 1, host: hostname(), boot: 'another-boot', started: '1' }),
    ]) {
      writeFileSync(`${file}.lock`, left);
      lockFile(file, 'the span file')();
    }
  });
});
