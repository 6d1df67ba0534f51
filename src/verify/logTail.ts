import { open, stat, type FileHandle } from 'node:fs/promises';

const CHUNK = 1 << 20;

/**
 * Follows a log file the way a shipper does: returns the complete lines written since the last
 * read, keeps a partial last line for next time, finishes a rotated file before moving to the new
 * one, and starts over when the file is truncated.
 */
export interface LogTail {
  read(): Promise<string[]>;
  close(): Promise<void>;
}

export function createLogTail(file: string, options: { fromEnd: boolean }): LogTail {
  let handle: FileHandle | undefined;
  let ino = -1;
  let offset = 0;
  let partial = '';
  let first = true;

  async function openCurrent(): Promise<boolean> {
    try {
      handle = await open(file, 'r');
    } catch {
      first = false; // a file created later is read from its start
      return false; // not there yet (or between rotation steps): try again next read
    }
    const st = await handle.stat();
    ino = st.ino;
    offset = first && options.fromEnd ? st.size : 0;
    first = false;
    partial = '';
    return true;
  }

  async function drain(into: string[]): Promise<void> {
    if (!handle) return;
    const { size } = await handle.stat(); // by size: a character device such as /dev/full never ends
    if (size < offset) {
      offset = 0; // truncated in place
      partial = '';
    }
    while (offset < size) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, size - offset));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      const text = partial + buffer.toString('utf8', 0, bytesRead);
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line) into.push(line);
    }
  }

  return {
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
    async close() {
      await handle?.close();
      handle = undefined;
    },
  };
}
