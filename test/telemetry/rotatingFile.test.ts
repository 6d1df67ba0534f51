import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { RotatingFile } from '../../src/telemetry/rotatingFile';
import { tmpDir } from '../support/tmp';

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

/** Writes each piece in order and waits until all are in the file. */
async function writeAll(file: RotatingFile, pieces: (string | Buffer)[]): Promise<void> {
  await Promise.all(
    pieces.map(
      (piece) => new Promise<void>((resolve, reject) => file.write(piece, (err) => (err ? reject(err) : resolve()))),
    ),
  );
}

describe('RotatingFile: the byte bounds of rotation, and what a failed rename or write leaves', () => {
  it('rotates only when a write would take the file past maxSize: a file filled exactly to it stays', async () => {
    const file = path.join(tmpDir(), 'exact.log');
    const rotating = new RotatingFile(file, { maxSize: 10, maxFiles: 2 });
    await writeAll(rotating, ['aaaaa', 'bbbbb']);
    expect(read(`${file}.1`), 'exactly maxSize: not rotated').to.equal(undefined);
    await writeAll(rotating, ['c']);
    await rotating.end();
    expect([read(`${file}.1`), read(file)]).to.deep.equal(['aaaaabbbbb', 'c']);
  });

  it('counts bytes, not characters, for strings and buffers alike', async () => {
    const file = path.join(tmpDir(), 'bytes.log');
    const rotating = new RotatingFile(file, { maxSize: 10, maxFiles: 2 });
    await writeAll(rotating, ['ééééé']); // 5 characters, 10 bytes
    await writeAll(rotating, ['x']);
    await writeAll(rotating, [Buffer.from('0123456789')]);
    await rotating.end();
    expect([read(`${file}.2`), read(`${file}.1`), read(file)]).to.deep.equal(['ééééé', 'x', '0123456789']);
  });

  it('a line larger than maxSize goes into an empty file whole, and no empty file is rotated away', async () => {
    const file = path.join(tmpDir(), 'large.log');
    const rotating = new RotatingFile(file, { maxSize: 4, maxFiles: 2 });
    await writeAll(rotating, ['0123456789']);
    expect(read(`${file}.1`), 'nothing rotated for the first line').to.equal(undefined);
    await writeAll(rotating, ['next']);
    await rotating.end();
    expect([read(`${file}.1`), read(file)]).to.deep.equal(['0123456789', 'next']);
  });

  it('appends to a file that already exists and counts what it holds toward maxSize', async () => {
    const file = path.join(tmpDir(), 'existing.log');
    writeFileSync(file, 'old-line'); // 8 bytes
    const rotating = new RotatingFile(file, { maxSize: 10, maxFiles: 1 });
    await writeAll(rotating, ['new']);
    await rotating.end();
    expect([read(`${file}.1`), read(file)]).to.deep.equal(['old-line', 'new']);
  });

  it('a rename that fails is reported as an error, and the writes go on at the path', async () => {
    const file = path.join(tmpDir(), 'blocked.log');
    mkdirSync(path.join(`${file}.1`, 'inside'), { recursive: true }); // .1 is a directory that cannot be replaced
    const rotating = new RotatingFile(file, { maxSize: 4, maxFiles: 1 });
    const errors: NodeJS.ErrnoException[] = [];
    rotating.on('error', (err: NodeJS.ErrnoException) => errors.push(err));
    await writeAll(rotating, ['1234', '5678']);
    await rotating.end();
    expect(errors.map((e) => e.syscall)).to.deep.equal(['rename']);
    expect(read(file), 'both lines kept at the path').to.equal('12345678');
  });

  it('a shift of older files that fails for any reason but a missing file is reported too', async () => {
    const file = path.join(tmpDir(), 'shift.log');
    mkdirSync(path.join(`${file}.2`, 'inside'), { recursive: true });
    writeFileSync(`${file}.1`, 'one');
    const rotating = new RotatingFile(file, { maxSize: 4, maxFiles: 2 });
    const errors: NodeJS.ErrnoException[] = [];
    rotating.on('error', (err: NodeJS.ErrnoException) => errors.push(err));
    await writeAll(rotating, ['1234', '5678']);
    await rotating.end();
    expect(errors.map((e) => [e.syscall, e.path])).to.deep.equal([['rename', `${file}.1`]]);
    expect(read(`${file}.1`), 'the older file left where it was').to.equal('one');
  });

  it('a reopen hands over with a drain, so a writer held back by the old file is released', () => {
    const file = path.join(tmpDir(), 'drain.log');
    const rotating = new RotatingFile(file, { maxSize: 0, maxFiles: 1 });
    const events: string[] = [];
    rotating.on('drain', () => events.push('drain'));
    rotating.on('reopened', () => events.push('reopened'));
    rotating.reopen();
    expect(events).to.deep.equal(['drain', 'reopened']);
    return rotating.end();
  });

  it('while the path cannot be written it is tried again quietly ("retried"), and end() still returns', async () => {
    const file = path.join(tmpDir(), 'full.log');
    symlinkSync('/dev/full', file); // every write fails with ENOSPC
    const rotating = new RotatingFile(file, { maxSize: 0, maxFiles: 1 }, 10);
    let reopened = 0;
    rotating.on('reopened', () => (reopened += 1));
    const failed = once(rotating, 'error');
    rotating.write('x\n');
    expect(((await failed)[0] as NodeJS.ErrnoException).code).to.equal('ENOSPC');
    rotating.on('error', () => {}); // each retry fails the same way
    await once(rotating, 'retried'); // the path unchanged: a retry, not a reopen
    expect(reopened).to.equal(0);
    rotating.write('y\n');
    await once(rotating, 'error');
    await rotating.end(); // the failed stream is already destroyed: nothing to wait for
  });
});
