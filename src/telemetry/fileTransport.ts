import { createWriteStream, openSync, renameSync, stat, statSync, type WriteStream } from 'node:fs';
import Transport from 'winston-transport';

const MESSAGE = Symbol.for('message');

export interface FileRotation {
  /** Rotate before a line would take the file past this many bytes (0: never). */
  readonly maxSize: number;
  /** Rotated files kept as file.1 (newest) .. file.N; older ones are overwritten. */
  readonly maxFiles: number;
}

/**
 * Appends each formatted line to a file. Unlike winston's File transport, a failed write is
 * not swallowed: it is emitted as 'error' (the log signal's write_failed), and ending the
 * transport waits until the file stream has flushed every line.
 *
 * Rotates by size with a fixed number of files kept, so a flood cannot fill the disk, and
 * reopens the path when the file is deleted or moved away (logrotate without copytruncate).
 */
export class FileLineTransport extends Transport {
  private stream!: WriteStream;
  private bytes = 0;
  private ino = -1;
  private readonly watcher: NodeJS.Timeout;
  /** The next line, held back until the stream's buffer drains (or the stream is replaced or fails). */
  private waitingForDrain: (() => void) | undefined;

  constructor(
    readonly file: string,
    private readonly rotation: FileRotation = { maxSize: 0, maxFiles: 0 },
    reopenCheckMs = 1000,
  ) {
    super();
    this.open();
    this.watcher = setInterval(() => this.reopenIfMoved(), reopenCheckMs);
    this.watcher.unref();
  }

  override log(info: Record<symbol, unknown>, done: () => void): void {
    const line = `${String(info[MESSAGE])}\n`;
    if (this.rotation.maxSize > 0) {
      const size = Buffer.byteLength(line);
      if (this.bytes > 0 && this.bytes + size > this.rotation.maxSize) this.rotate();
      this.bytes += size;
    }
    // Lines queue in the file stream while a write is in flight and go out together in one
    // write (writev): waiting for each line's own write made it one system call per line, and
    // under load the lines piled up in the logger instead. Past the stream's buffer, the next line
    // waits for 'drain', so backpressure still reaches the logger.
    const below = this.stream.write(line, () => this.emit('logged', info)); // winston's convention: the line is in the file
    if (below || this.stream.destroyed) done(); // a failed stream has already said why ('error')
    else this.waitingForDrain = done;
  }

  /** Starts a new file at the path (SIGHUP, or the file was moved or deleted): emits 'reopened'. */
  reopen(): void {
    this.switchFile();
    this.emit('reopened');
  }

  override _final(done: (error?: Error | null) => void): void {
    clearInterval(this.watcher);
    if (this.stream.destroyed) return done();
    this.stream.end(() => done());
  }

  private switchFile(): void {
    const old = this.stream;
    this.open();
    old.end(); // its queued lines still land in the file it had open
    this.release(); // an ending stream emits no 'drain'
  }

  private release(): void {
    const done = this.waitingForDrain;
    this.waitingForDrain = undefined;
    done?.();
  }

  private open(): void {
    // Opened now, not when the stream gets to it: lines are handed over faster than they are
    // written, and a rotation must find the file at its path. A failure surfaces as the stream's error.
    this.stream = createWriteStream(this.file, { flags: 'a', ...openNow(this.file) });
    this.stream.on('drain', () => this.release());
    this.stream.on('error', (err) => {
      this.release();
      this.emit('error', err);
    });
    // Where appends start, and which file is ours (a new inode at the path means it was replaced).
    try {
      const st = statSync(this.file);
      this.bytes = st.size;
      this.ino = st.ino;
    } catch {
      this.bytes = 0; // created when the stream opens
      this.ino = -1;
    }
  }

  private rotate(): void {
    try {
      for (let i = this.rotation.maxFiles - 1; i >= 1; i -= 1) renameIfExists(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      if (this.rotation.maxFiles > 0) renameSync(this.file, `${this.file}.1`);
    } catch (err) {
      this.emit('error', err);
    }
    this.switchFile();
  }

  private reopenIfMoved(): void {
    stat(this.file, (err, st) => {
      if (this.stream.destroyed || this.writableEnded) return;
      if (err || (this.ino !== -1 && st.ino !== this.ino)) this.reopen();
      else if (this.ino === -1) this.ino = st.ino;
    });
  }
}

function openNow(file: string): { fd?: number } {
  try {
    return { fd: openSync(file, 'a') };
  } catch {
    return {};
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
