import { EventEmitter } from 'node:events';
import { createWriteStream, mkdirSync, openSync, renameSync, stat, statSync, type WriteStream } from 'node:fs';
import path from 'node:path';

export interface FileRotation {
  /** Rotate before a write would take the file past this many bytes (0: never). */
  readonly maxSize: number;
  /** Rotated files kept as file.1 (newest) .. file.N; older ones are overwritten. */
  readonly maxFiles: number;
}

/**
 * An append-only file that cannot fill a disk: before a write would take it past `maxSize` it is
 * renamed `.1` (older ones shift, the oldest is overwritten), so it never holds more than
 * (maxFiles + 1) x maxSize. It reopens the path when the file is deleted or moved away (logrotate
 * without copytruncate), and reports write failures instead of swallowing them.
 *
 * Events: 'drain' (the buffer emptied after write() returned false), 'error' (a write or rename
 * failed), 'reopened' (a new file was started at the path), 'retried' (the path was opened again
 * after a failed write).
 */
export class RotatingFile extends EventEmitter {
  private stream!: WriteStream;
  private bytes = 0;
  private ino = -1;
  private ended = false;
  private readonly watcher: NodeJS.Timeout;

  constructor(
    readonly file: string,
    private readonly rotation: FileRotation,
    reopenCheckMs = 1000,
  ) {
    super();
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.open();
    this.watcher = setInterval(() => this.reopenIfMoved(), reopenCheckMs);
    this.watcher.unref();
  }

  /** True while the stream has room; false asks the writer to wait for 'drain'. */
  write(data: string | Buffer, done?: (err?: Error | null) => void): boolean {
    if (this.rotation.maxSize > 0) {
      const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
      if (this.bytes > 0 && this.bytes + size > this.rotation.maxSize) this.rotate();
      this.bytes += size;
    }
    // Writes queue in the stream while one is in flight and go out together (writev).
    return this.stream.write(data, done) || this.stream.destroyed;
  }

  /** Starts a new file at the path (SIGHUP, or the file was moved or deleted): emits 'reopened'. */
  reopen(): void {
    this.switchFile();
    this.emit('reopened');
  }

  /** Flushes what is queued and closes the file. */
  end(): Promise<void> {
    this.ended = true;
    clearInterval(this.watcher);
    if (this.stream.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }

  private switchFile(): void {
    const old = this.stream;
    this.open();
    old.end(); // its queued writes still land in the file it had open
    this.emit('drain'); // an ending stream emits no 'drain' of its own
  }

  private open(): void {
    // Opened now, not when the stream gets to it: writes are handed over faster than they are
    // written, and a rotation must find the file at its path. A failure surfaces as the stream's error.
    this.stream = createWriteStream(this.file, { flags: 'a', ...openNow(this.file) });
    this.stream.on('drain', () => this.emit('drain'));
    this.stream.on('error', (err) => {
      this.emit('drain');
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
      for (let i = this.rotation.maxFiles - 1; i >= 1; i -= 1)
        renameIfExists(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      if (this.rotation.maxFiles > 0) renameSync(this.file, `${this.file}.1`);
    } catch (err) {
      this.emit('error', err);
    }
    this.switchFile();
  }

  private reopenIfMoved(): void {
    stat(this.file, (err, st) => {
      if (this.ended) return;
      // A failed write (disk full) ends the stream: try the path again, so the log heals once
      // there is room, without a restart. Quietly: no 'reopened' line per try while it fails.
      if (this.stream.destroyed) {
        this.switchFile();
        this.emit('retried');
      } else if (err || (this.ino !== -1 && st.ino !== this.ino)) this.reopen();
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
