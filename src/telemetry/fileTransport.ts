import { createWriteStream, type WriteStream } from 'node:fs';
import Transport from 'winston-transport';

const MESSAGE = Symbol.for('message');

/**
 * Appends each formatted line to a file. Unlike winston's File transport, a failed write is
 * not swallowed: it is emitted as 'error' (the log signal's write_failed), and ending the
 * transport waits until the file stream has flushed every line.
 */
export class FileLineTransport extends Transport {
  private readonly stream: WriteStream;

  constructor(readonly file: string) {
    super();
    this.stream = createWriteStream(file, { flags: 'a' });
    this.stream.on('error', (err) => this.emit('error', err));
  }

  override log(info: Record<symbol, unknown>, done: () => void): void {
    // The callback waits for the write, so backpressure reaches the logger instead of memory.
    this.stream.write(`${String(info[MESSAGE])}\n`, () => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    if (this.stream.destroyed) return done();
    this.stream.end(() => done());
  }
}
