import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createFileTail } from '../../src/readers/fileTail';
import { tmpDir } from '../support/tmp';

describe('file tail', () => {
  it('starts at the end, returns only complete lines and keeps a partial one for later', async () => {
    const file = path.join(tmpDir(), 'a.log');
    writeFileSync(file, 'old\n');
    const tail = createFileTail(file, { fromEnd: true });
    expect(await tail.read()).to.deep.equal([]);
    appendFileSync(file, 'one\ntw');
    expect(await tail.read()).to.deep.equal(['one']);
    appendFileSync(file, 'o\n');
    expect(await tail.read()).to.deep.equal(['two']);
    await tail.close();
  });

  it('keeps a character that a read cuts in two whole', async () => {
    const file = path.join(tmpDir(), 'utf8.log');
    writeFileSync(file, '');
    const tail = createFileTail(file, { fromEnd: true });
    await tail.read();
    const line = Buffer.from('café ✓\n');
    appendFileSync(file, line.subarray(0, 4)); // ends inside the two bytes of "é"
    expect(await tail.read()).to.deep.equal([]);
    appendFileSync(file, line.subarray(4));
    expect(await tail.read()).to.deep.equal(['café ✓']);
    await tail.close();
  });

  it('waits for a file that does not exist yet, then reads it from the start', async () => {
    const file = path.join(tmpDir(), 'later.log');
    const tail = createFileTail(file, { fromEnd: true });
    expect(await tail.read()).to.deep.equal([]);
    writeFileSync(file, 'first\n');
    appendFileSync(file, 'second\n');
    expect(await tail.read()).to.deep.equal(['first', 'second']);
    await tail.close();
  });

  it('finishes a rotated file, then follows the new one', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'app.log');
    writeFileSync(file, '');
    const tail = createFileTail(file, { fromEnd: true });
    await tail.read();
    appendFileSync(file, 'before\n');
    renameSync(file, path.join(dir, 'app.log.1'));
    appendFileSync(path.join(dir, 'app.log.1'), 'late write to the old file\n');
    writeFileSync(file, 'after\n');
    expect(await tail.read()).to.deep.equal(['before', 'late write to the old file', 'after']);
    await tail.close();
  });

  it('starts over when the file is truncated in place', async () => {
    const file = path.join(tmpDir(), 't.log');
    writeFileSync(file, 'aaaa\nbbbb\n');
    const tail = createFileTail(file, { fromEnd: true });
    await tail.read();
    truncateSync(file, 0);
    appendFileSync(file, 'c\n');
    expect(await tail.read()).to.deep.equal(['c']);
    await tail.close();
  });
});
