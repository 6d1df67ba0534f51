import { statSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

/**
 * Follows a log file the way a shipper does: returns the complete lines written since the last
 * read, keeps a partial last line for next time, finishes a rotated file before moving to the new
 * one, and starts over when the file is truncated.
 */
export interface FileTail {
  read(): Promise<string[]>;
  /** Before the first read: start where an earlier process stopped reading, if that is still this file. */
  resumeAt(at: { ino: number; offset: number }): void;
  /** Where the next read starts: the file (by inode) and the offset of its first unread line. */
  position(): { ino: number; offset: number } | undefined;
  close(): Promise<void>;
}

/**
 * With `fromEnd`, lines already in the file when the tail is made are skipped (measured now,
 * synchronously); with `startAt`, reading resumes there if the file is still the same one.
 */
export function createFileTail(
  file: string,
  options: { fromEnd: boolean; startAt?: { ino: number; offset: number } },
): FileTail {
  let handle: FileHandle | undefined;
  let ino = -1;
  let offset = 0;
  let partial = EMPTY;
  const now = options.fromEnd ? sizeNow(file) : undefined;
  /** Where reading starts: the end as measured now, or where an earlier process stopped if that is still this file. */
  const startFrom = (at: { ino: number; offset: number } | undefined) =>
    at && now && at.ino === now.ino && at.offset <= now.size ? { ino: now.ino, size: at.offset } : now;
  let end = startFrom(options.startAt);

  async function openCurrent(): Promise<boolean> {
    try {
      handle = await open(file, 'r');
    } catch {
      return false; // not there yet (or between rotation steps): try again next read
    }
    const st = await handle.stat();
    // The file measured at the start, if this is still it; any other file is read from its start.
    offset = end !== undefined && end.ino === st.ino && ino === -1 ? end.size : 0;
    ino = st.ino;
    partial = EMPTY;
    return true;
  }

  async function drain(into: string[]): Promise<void> {
    if (!handle) return;
    const { size } = await handle.stat(); // by size: a character device such as /dev/full never ends
    if (size < offset) {
      offset = 0; // truncated in place
      partial = EMPTY;
    }
    while (offset < size) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, size - offset));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      const data =
        partial.length > 0 ? Buffer.concat([partial, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
      // Split as bytes and decode line by line: a character cut by the chunk's end is completed by
      // the next read, and a line is its own string (a slice of one chunk-sized string would keep
      // the whole chunk alive for as long as any id cut from it is remembered).
      let start = 0;
      for (let end = data.indexOf(NEWLINE); end >= 0; end = data.indexOf(NEWLINE, start)) {
        if (end > start) into.push(data.toString('utf8', start, end));
        start = end + 1;
      }
      partial = Buffer.from(data.subarray(start));
    }
  }

  return {
    resumeAt(at) {
      if (ino === -1) end = startFrom(at); // before the first read only
    },
    async read() {
      const lines: string[] = [];
      if (!handle && !(await openCurrent())) return lines;
      await drain(lines);
      const now = await stat(file).catch(() => undefined);
      if (now && now.ino !== ino) {
        await handle?.close();
        handle = undefined;
        if (await openCurrent()) await drain(lines);
      }
      return lines;
    },
    // A partial last line is not read yet: resume at its start.
    position: () =>
      ino === -1 ? (end ? { ino: end.ino, offset: end.size } : undefined) : { ino, offset: offset - partial.length },
    async close() {
      await handle?.close();
      handle = undefined;
    },
  };
}

function sizeNow(file: string): { ino: number; size: number } | undefined {
  try {
    const st = statSync(file);
    return { ino: st.ino, size: st.size };
  } catch {
    return undefined;
  }
}
