import { appendFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
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

  it('position: where an earlier process stopped, then the start of the first unread line; resumes there only in the same file', async () => {
    const file = path.join(tmpDir(), 'a.log');
    writeFileSync(file, 'one\ntwo\nthree\n');
    const fresh = createFileTail(file, { fromEnd: true });
    const ino = fresh.position()!.ino;
    expect(fresh.position()).to.deep.equal({ ino, offset: 14 });
    expect(createFileTail(path.join(tmpDir(), 'absent.log'), { fromEnd: true }).position()).to.equal(undefined);
    expect(createFileTail(file, { fromEnd: false }).position()).to.equal(undefined);

    const resumed = createFileTail(file, { fromEnd: true, startAt: { ino, offset: 4 } });
    expect(resumed.position()).to.deep.equal({ ino, offset: 4 });
    appendFileSync(file, 'fo');
    expect(await resumed.read()).to.deep.equal(['two', 'three']);
    expect(resumed.position(), 'the partial line is not read yet').to.deep.equal({ ino, offset: 14 });
    await resumed.close();

    // Past the end (the file was truncated since), or another file: from the end as measured now.
    appendFileSync(file, 'ur\n');
    for (const startAt of [
      { ino, offset: 100 },
      { ino: ino + 1, offset: 4 },
    ]) {
      const tail = createFileTail(file, { fromEnd: true, startAt });
      expect(tail.position()).to.deep.equal({ ino, offset: statSync(file).size });
      appendFileSync(file, 'five\n');
      expect(await tail.read()).to.deep.equal(['five']);
      await tail.close();
    }
  });

  it('skips empty lines, and reads a file of many lines larger than one chunk whole', async () => {
    const file = path.join(tmpDir(), 'a.log');
    writeFileSync(file, '');
    const tail = createFileTail(file, { fromEnd: false });
    const line = 'x'.repeat(1000);
    appendFileSync(file, `\n\na\n\n${`${line}\n`.repeat(2000)}b\n`);
    const lines = await tail.read();
    expect([lines.length, lines[0], lines[1]!.length, lines.at(-1)]).to.deep.equal([2002, 'a', 1000, 'b']);
    await tail.close();
    await tail.close();
  });
});

describe('file tail: resumeAt', () => {
  it('before the first read it moves the start back to where an earlier process stopped; after it, it changes nothing', async () => {
    const file = path.join(tmpDir(), 'a.log');
    writeFileSync(file, 'one\ntwo\nthree\n');
    const tail = createFileTail(file, { fromEnd: true });
    const { ino } = tail.position()!;
    tail.resumeAt({ ino, offset: 4 });
    expect(tail.position()).to.deep.equal({ ino, offset: 4 });
    expect(await tail.read()).to.deep.equal(['two', 'three']);
    tail.resumeAt({ ino, offset: 0 });
    appendFileSync(file, 'four\n');
    expect(await tail.read(), 'read on from where it was').to.deep.equal(['four']);
    await tail.close();
  });
});
