import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import Transport from 'winston-transport';
import { composeService, createTelemetry } from '../../src/compose';
import { loadConfig } from '../../src/config/load';
import { releaseAfter } from './cleanup';

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

/** Settings every in-process service gets unless a test says otherwise: no schedule, quick read-back,
 * and no state file (the default path is relative to the working directory: the repository). */
const TEST_ENV = { PETSAGE_SMOKE_INTERVAL: '0', PETSAGE_SMOKE_LEDGER_SIZE: '10', PETSAGE_SMOKE_VERIFY_TIMEOUT: '2s', PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '20ms' };

/**
 * The real daemon, composed as production composes it, with a tracer, span exporter and metrics
 * registry of its own; only the log goes to memory instead of a file (so the log signal is not read
 * back) and the spans to an in-memory exporter.
 */
export function testService(options: { failLogWrites?: boolean; env?: Record<string, string>; flags?: Record<string, string> } = {}) {
  const exporter = new InMemorySpanExporter();
  const transport = new ArrayTransport(options.failLogWrites ? new Error('EACCES: permission denied') : undefined);
  // An empty variable counts as unset, so "no state file" is given as a flag.
  const config = loadConfig({ env: { ...TEST_ENV, ...options.env }, flags: { 'state.path': '', ...options.flags } });
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
