import Transport from 'winston-transport';
import { RotatingFile, type FileRotation } from './rotatingFile';

const MESSAGE = Symbol.for('message');

/**
 * Appends each formatted line to a rotating file. Unlike winston's File transport, a failed write
 * is not swallowed (https://github.com/winstonjs/winston/issues/937): it is emitted as 'error' (the log signal's
 * write_failed), and ending the transport waits until every line is in the file.
 */
export class FileLineTransport extends Transport {
  readonly rotating: RotatingFile;
  /** The next line, held back until the file's buffer drains (or the file is replaced or fails). */
  private waitingForDrain: (() => void) | undefined;

  constructor(
    readonly file: string,
    rotation: FileRotation = { maxSize: 0, maxFiles: 0 },
    reopenCheckMs = 1000,
  ) {
    super();
    this.rotating = new RotatingFile(file, rotation, reopenCheckMs);
    this.rotating.on('drain', () => this.release());
    this.rotating.on('error', (err) => this.emit('error', err));
    this.rotating.on('reopened', () => this.emit('reopened'));
  }

  override log(info: Record<symbol, unknown>, done: () => void): void {
    // Lines go out as they come and are written together: waiting for each line's own write
    // made it one system call per line, and under load the lines piled up in the logger instead.
    // Past the file's buffer, the next line waits for 'drain', so backpressure still reaches the logger.
    // 'logged' (winston's convention: the line is in the file) only for a write that succeeded: a
    // failed one must not clear the failure its 'error' reported, whichever of the two comes first.
    const below = this.rotating.write(`${String(info[MESSAGE])}\n`, (err) => err || this.emit('logged', info));
    if (below) done();
    else this.waitingForDrain = done;
  }

  /** Starts a new file at the path (SIGHUP, or the file was moved or deleted): emits 'reopened'. */
  reopen(): void {
    this.rotating.reopen();
  }

  override _final(done: (error?: Error | null) => void): void {
    void this.rotating.end().then(() => done());
  }

  private release(): void {
    const done = this.waitingForDrain;
    this.waitingForDrain = undefined;
    done?.();
  }
}
