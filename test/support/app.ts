import path from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
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
 * log signal is not read back) and the spans to an in-memory exporter. It listens nowhere: its address
 * is given as 127.0.0.1:9, which only the metric selector's default (instance="<host:port>") shows.
 */
export function testService(
  options: { failLogWrites?: boolean; env?: Record<string, string>; flags?: Record<string, string> } = {},
) {
  const exporter = new InMemorySpanExporter();
  const transport = new ArrayTransport(options.failLogWrites ? new Error('EACCES: permission denied') : undefined);
  // The production defaults, except the state file: its default path is relative to the working
  // directory (the repository), so each service keeps its own in a directory of the test's.
  const statePath = path.join(tmpDir('petsage-state-'), 'state.json');
  const config = loadConfig({ env: options.env ?? {}, flags: { 'state.path': statePath, ...options.flags } });
  const telemetry = createTelemetry(config, { spanExporter: exporter, logTransports: [transport] });
  const service = composeService(config, telemetry, { hostPort: '127.0.0.1:9' });
  // Stopped once, by the test or after it: the schedule, the read-back timers, the exporters, the log.
  let stopped: Promise<void> | undefined;
  const stop: typeof service.stop = (reason, closeServer) => (stopped ??= service.stop(reason, closeServer));
  releaseAfter('in-process service', () => stop('test over'));
  return {
    ...service,
    stop,
    metrics: telemetry.metrics,
    logs: telemetry.logs,
    lines: transport.lines,
    /** Flushes the batch processor first (no sleeps). */
    async finishedSpans() {
      await telemetry.tracing.forceFlush();
      return exporter.getFinishedSpans();
    },
  };
}
