import Transport from 'winston-transport';
import { buildService } from '../../src/daemon';
import { createLogger } from '../../src/telemetry/logger';
import { createMetrics } from '../../src/telemetry/metrics';
import { countSpansInto, resetSpans, testTracing } from './tracing';

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

/** The real app and real telemetry, with the log in memory and the spans in the test exporter. */
export function testService(options: { failLogWrites?: boolean } = {}) {
  resetSpans();
  const metrics = createMetrics({ processMetrics: false });
  countSpansInto(metrics.countSpans);
  const transport = new ArrayTransport(options.failLogWrites ? new Error('EACCES: permission denied') : undefined);
  const logs = createLogger(
    { service: 'petsage-smoke', level: 'info', file: { enabled: false, path: '-' }, stdout: { enabled: false } },
    { transports: [transport] },
  );
  const { app, lifecycle } = buildService({ serviceName: 'petsage-smoke', ledgerSize: 10 }, { tracing: testTracing, logs, metrics });
  return { app, lifecycle, metrics, logs, lines: transport.lines };
}
