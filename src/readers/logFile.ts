import { EVENT } from '../vocabulary';
import { createFileTail, type FileTail } from './fileTail';
import type { StreamReader } from './types';

const EVENT_MARK = `"event":"${EVENT.verification}"`;
const TRACE_ID_MARK = '"trace_id":"';

/** The trace id of a verification line, found without parsing every line of a busy log as JSON. */
export function verificationTraceId(line: string): string | undefined {
  if (!line.includes(EVENT_MARK)) return undefined;
  const start = line.indexOf(TRACE_ID_MARK);
  if (start < 0) return undefined;
  const end = line.indexOf('"', start + TRACE_ID_MARK.length);
  return end < 0 ? undefined : line.slice(start + TRACE_ID_MARK.length, end);
}

export interface FileLogReaderOptions {
  file: string;
  writeFailed: () => boolean;
  startAt?: { ino: number; offset: number };
}

/**
 * Log signal, embedded default: the run's line read back from the file it was written to, the way a
 * shipper tails it. One read per poll serves every waiting run.
 */
export function fileLogReader(options: FileLogReaderOptions): StreamReader & Pick<FileTail, 'position' | 'resumeAt'> {
  // Measured at the end now (or where an earlier process stopped reading): every line written from here on is read.
  const tail = createFileTail(options.file, {
    fromEnd: true,
    ...(options.startAt ? { startAt: options.startAt } : {}),
  });
  return {
    kind: 'stream',
    position: () => tail.position(),
    resumeAt: (at) => tail.resumeAt(at),
    backend: 'file',
    asked: `the lines appended to ${options.file}`,
    missingReason: 'not_found',
    async read(waiting, report) {
      for (const line of await tail.read()) {
        const traceId = verificationTraceId(line);
        const run = traceId === undefined ? undefined : waiting.get(traceId);
        if (run) report(run);
      }
    },
    standingFailure: () => (options.writeFailed() ? { reason: 'write_failed' } : undefined),
    close: () => tail.close(),
  };
}
