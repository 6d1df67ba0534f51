import { accessSync, constants, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import winston from 'winston';
import type Transport from 'winston-transport';
import { EMITTED, failed, type LogPort } from '../smoke/types';
import { EVENT, VERIFICATION_MESSAGE } from '../vocabulary';
import { FileLineTransport } from './fileTransport';

export interface LogSettings {
  readonly service: string;
  /** This process's id, on every verification line: audit-log tells processes apart by it. */
  readonly processId: string;
  readonly level: 'info' | 'debug';
  readonly file: {
    readonly enabled: boolean;
    readonly path: string;
    readonly required: boolean;
    readonly maxSize: number;
    readonly maxFiles: number;
  };
  readonly stdout: { readonly enabled: boolean };
}

export interface AppLogger {
  /** For the daemon's own lines (startup, shutdown, errors). Never pass client input as text. */
  readonly logger: winston.Logger;
  readonly port: LogPort;
  /** The file the lines go to; undefined when logging to stdout only. */
  readonly file: string | undefined;
  /** Why the configured file is not used (log.file.required=false and it could not be opened). */
  readonly fallback: string | undefined;
  /** Starts a new file at the path (SIGHUP after an external rotation). */
  reopen(): void;
  /** True from a failed write (the file is full, gone or not writable) until a line is written again. */
  writeFailed(): boolean;
  /** Lines logged and not yet handed to the file: the log pipeline's backlog. */
  backlog(): number;
  /** Ends the logger and resolves when every transport has flushed (no line lost at exit). */
  close(): Promise<void>;
}

export class LogSetupError extends Error {
  override readonly name = 'LogSetupError';
}

/** JSON, one object per line; keeps the run's own timestamp so log and response agree. */
const lineFormat = winston.format.combine(
  winston.format((info) => {
    info.timestamp ??= new Date().toISOString();
    return info;
  })(),
  winston.format.json(),
);

/**
 * `transports` replaces the file and stdout (tests); `otlp` are the pipelines' OTLP log transports,
 * each turning its pipeline's verification lines into records.
 */
export function createLogger(
  settings: LogSettings,
  options: { transports?: Transport[]; otlp?: readonly Transport[] } = {},
): AppLogger {
  let fileError: Error | undefined;
  const chosen = options.transports
    ? { transports: options.transports, file: undefined, fallback: undefined }
    : defaultTransports(settings);
  const { file, fallback } = chosen;
  const transports = [...chosen.transports, ...(options.otlp ?? [])];
  const logger = winston.createLogger({
    level: settings.level,
    format: lineFormat,
    defaultMeta: { service: settings.service },
    transports,
  });
  // A failed write must not crash the daemon: it becomes the log signal's verdict.
  const onError = (err: Error) => {
    fileError = err;
  };
  logger.on('error', onError);
  for (const t of transports) t.on('error', onError);
  file?.on('reopened', () => logger.info('log file reopened', { event: EVENT.logReopened, log_file: file.file }));
  // A line in the file again (the disk has room, the path was repaired): the log heals.
  file?.on('logged', () => (fileError = undefined));

  return {
    logger,
    file: file?.file,
    fallback,
    reopen: () => file?.reopen(),
    writeFailed: () => fileError !== undefined,
    // Lines in winston's own buffers: past the file's, the transport holds them back (backpressure).
    backlog: () => logger.writableLength + logger.readableLength,
    port: {
      writeVerification(r) {
        try {
          logger.info(VERIFICATION_MESSAGE, {
            event: EVENT.verification,
            run_id: r.runId,
            trace_id: r.traceId,
            span_id: r.spanId,
            seq: r.seq,
            trigger: r.trigger,
            pipeline: r.pipeline,
            process_id: settings.processId,
            timestamp: r.timestamp,
          });
        } catch {
          return failed('write_failed');
        }
        return fileError ? failed('write_failed') : EMITTED;
      },
    },
    async close() {
      // Ending while lines still wait in the logger's own buffer (a transport applying
      // backpressure) writes after end and loses them (winston #2219): let them through first.
      while (logger.readableLength > 0 || logger.writableLength > 0) {
        const waiting = transports.filter((t) => t.writableNeedDrain);
        await (waiting.length > 0
          ? Promise.race(waiting.map((t) => once(t, 'drain')))
          : new Promise((r) => setImmediate(r)));
      }
      const flushed = transports.map((t) => once(t, 'finish'));
      logger.end();
      await Promise.all(flushed);
    },
  };
}

function defaultTransports(settings: LogSettings): {
  transports: Transport[];
  file?: FileLineTransport;
  fallback?: string;
} {
  let file: FileLineTransport | undefined;
  let fallback: string | undefined;
  if (settings.file.enabled) {
    try {
      ensureWritableDir(settings.file.path);
      file = new FileLineTransport(settings.file.path, settings.file);
    } catch (err) {
      if (settings.file.required || !(err instanceof LogSetupError)) throw err;
      fallback = err.message;
    }
  }
  const transports: Transport[] = file ? [file] : [];
  if (settings.stdout.enabled || !file) transports.push(new winston.transports.Console());
  return { transports, ...(file ? { file } : {}), ...(fallback ? { fallback } : {}) };
}

function ensureWritableDir(file: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new LogSetupError(
      `cannot write the log file ${file}: ${(err as Error).message}. Fix the directory's permissions, ` +
        'set log.file.path (PETSAGE_SMOKE_LOG_FILE) elsewhere, or log.file.required=false ' +
        '(PETSAGE_SMOKE_LOG_FILE_REQUIRED) to log to stdout only when the file cannot be opened',
    );
  }
}
