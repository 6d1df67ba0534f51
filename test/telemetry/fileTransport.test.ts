import { once } from 'node:events';
import { existsSync, readFileSync, renameSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createLogger } from '../../src/telemetry/logger';
import { FileLineTransport } from '../../src/telemetry/fileTransport';
import { tmpDir } from '../support/tmp';

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
const nOf = (line: string) => (JSON.parse(line) as { n: number }).n;

function logInto(transport: FileLineTransport) {
  const logs = createLogger(
    {
      service: 't',
      processId: 'abc',
      level: 'info',
      file: { enabled: false, path: '-', required: true, maxSize: 0, maxFiles: 1 },
      stdout: { enabled: false },
    },
    { transports: [transport] },
  );
  return logs;
}

describe('FileLineTransport', () => {
  it('rotates by size and keeps maxFiles rotated files: no file passes the limit, the newest lines survive in order', async () => {
    const file = path.join(tmpDir(), 'smoke.log');
    const maxSize = 2048;
    const transport = new FileLineTransport(file, { maxSize, maxFiles: 2 });
    const logs = logInto(transport);
    for (let n = 1; n <= 500; n += 1) logs.logger.info('line', { n });
    await logs.close();

    expect(existsSync(`${file}.3`), 'beyond retention').to.equal(false);
    const files = [`${file}.2`, `${file}.1`, file];
    for (const f of files) expect(statSync(f).size, f).to.be.at.most(maxSize);
    const kept = files.flatMap(lines).map(nOf);
    expect(kept.at(-1)).to.equal(500);
    expect(kept, 'contiguous, oldest first').to.deep.equal(kept.map((_, i) => (kept[0] as number) + i));
  });

  it('maxSize 0 never rotates: every line stays in the one file, however large it grows', async () => {
    const file = path.join(tmpDir(), 'unrotated.log');
    const transport = new FileLineTransport(file, { maxSize: 0, maxFiles: 2 });
    const logs = logInto(transport);
    for (let n = 1; n <= 500; n += 1) logs.logger.info('line', { n, padding: 'x'.repeat(100) });
    await logs.close();
    expect(existsSync(`${file}.1`), 'no rotated file').to.equal(false);
    expect(lines(file).map(nOf)).to.deep.equal(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(statSync(file).size).to.be.above(500 * 100);
  });

  it('takes a burst of lines at once and writes them together: none wait in the logger, all land in order', async () => {
    const file = path.join(tmpDir(), 'burst.log');
    const transport = new FileLineTransport(file);
    const logs = logInto(transport);
    for (let n = 1; n <= 100; n += 1) logs.logger.info('line', { n });
    await new Promise((resolve) => setImmediate(resolve));
    // One write per line, each awaited, left the burst queued in the logger (and in memory).
    expect(
      logs.logger.writableLength + logs.logger.readableLength + transport.writableLength,
      'lines queued before the file stream',
    ).to.equal(0);
    await logs.close();
    expect(lines(file).map(nOf)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('reopens the path when the file is deleted, and after a move (logrotate) the old lines stay in the moved file', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'smoke.log');
    const transport = new FileLineTransport(file, { maxSize: 0, maxFiles: 1 }, 10);
    const logs = logInto(transport);
    const opened = once(transport, 'logged');
    logs.logger.info('before delete', { n: 0 });
    await opened;

    unlinkSync(file);
    await once(transport, 'reopened');
    const written = once(transport, 'logged');
    logs.logger.info('after delete', { n: 1 });
    await written;

    const moved = `${file}.1`;
    renameSync(file, moved);
    transport.reopen(); // what SIGHUP does
    logs.logger.info('after move', { n: 2 });
    await logs.close();

    expect(lines(moved).map(nOf)).to.deep.equal([1]);
    expect(lines(file).map(nOf)).to.deep.equal([2]);
  });

  it('a failed write (disk full) is reported, and once there is room the file is written again without a restart', async () => {
    const file = path.join(tmpDir(), 'smoke.log');
    symlinkSync('/dev/full', file); // every write fails with ENOSPC
    const transport = new FileLineTransport(file, { maxSize: 0, maxFiles: 1 }, 10);
    const logs = logInto(transport);
    const failed = once(transport, 'error');
    let logged = 0;
    transport.on('logged', () => (logged += 1));
    logs.logger.info('disk full', { n: 0 });
    expect(((await failed)[0] as NodeJS.ErrnoException).code).to.equal('ENOSPC');
    await new Promise(setImmediate); // the write's own callback has run by now, before or after 'error'
    expect(logged, 'a failed line is never reported as logged (that would clear write_failed)').to.equal(0);

    unlinkSync(file); // room again: the path is a plain file from now on
    // Retried after the failure, or (if a retry had already opened the old path) reopened as the path changed.
    await Promise.race([once(transport.rotating, 'retried'), once(transport.rotating, 'reopened')]);
    const written = once(transport, 'logged');
    logs.logger.info('room again', { n: 1 });
    await written;
    await logs.close();
    expect(lines(file).map(nOf)).to.deep.equal([1]);
  });
});
