import path from 'node:path';
import { tracing } from '@opentelemetry/sdk-node';
import winston from 'winston';
import Transport from 'winston-transport';
import { composeService, createTelemetry } from '../../src/compose';
import { loadConfig } from '../../src/config/load';
import { releaseAfter } from './cleanup';
import { tmpDir } from './tmp';

const MESSAGE = Symbol.for('message');

/** Keeps each formatted line, exactly as a file transport would write it. */
export class ArrayTransport extends Transport {
  readonly lines: string[] = [];
  constructor(private readonly failWith?: Error) {
    super();
  }
  override log(info: Record<symbol, string>, done: () => void): void {
    this.lines.push(info[MESSAGE] as string);
    if (this.failWith) this.emit('error', this.failWith);
    done();
  }
}

/** A JSON logger that keeps its lines in memory; `lines()` gives them parsed. */
export function memoryLogger() {
  const transport = new ArrayTransport();
  const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
  return { logger, lines: () => transport.lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/**
 * The real daemon, composed as production composes it and on the production defaults, with a tracer,
 * span exporter and metrics registry of its own; only the log goes to memory instead of a file (so the
 * log signal is not read back) and the spans to an in-memory exporter. It listens nowhere.
 */
export function testService(
  options: {
    failLogWrites?: boolean;
    env?: Record<string, string>;
    flags?: Record<string, string>;
    file?: string;
  } = {},
) {
  const exporter = new tracing.InMemorySpanExporter();
  const transport = new ArrayTransport(options.failLogWrites ? new Error('EACCES: permission denied') : undefined);
  // The production defaults, except the state file: its default path is relative to the working
  // directory (the repository), so each service keeps its own in a directory of the test's.
  const statePath = path.join(tmpDir('petsage-state-'), 'state.json');
  const config = loadConfig({
    env: options.env ?? {},
    flags: { 'state.path': statePath, ...options.flags },
    ...(options.file ? { file: options.file } : {}),
  });
  const telemetry = createTelemetry(config, { spanExporter: exporter, logTransports: [transport] });
  const service = composeService(config, telemetry);
  // Stopped once, by the test or after it: the schedule, the read-back timers, the exporters, the log.
  let stopped: Promise<void> | undefined;
  const stop: typeof service.stop = (reason, closeServer) => (stopped ??= service.stop(reason, closeServer));
  releaseAfter('in-process service', () => stop('test over'));
  const [pipeline] = service.pipelines;
  return {
    ...service,
    stop,
    /** The default pipeline's parts. */
    scheduler: pipeline!.scheduler,
    judge: pipeline!.judge,
    signalHealth: pipeline!.signalHealth,
    registry: telemetry.registry,
    logs: telemetry.logs,
    lines: transport.lines,
    /** Flushes the batch processor first (no sleeps). */
    async finishedSpans() {
      await Promise.all(telemetry.pipelines.map((p) => p.tracing.forceFlush()));
      return exporter.getFinishedSpans();
    },
  };
}
