import Transport from 'winston-transport';
import { loadConfig } from '../../src/config';
import { buildService } from '../../src/daemon';
import { createLogger } from '../../src/telemetry/logger';
import { createMetrics } from '../../src/telemetry/metrics';
import { countSpansInto, resetSpans, testSpanAcks, testTracing } from './tracing';

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

/**
 * The real app and real telemetry, with the log in memory and the spans in the test exporter.
 * No schedule; the log is not read back (it is in memory); metrics are read from `baseUrl`/metrics.
 */
export function testService(options: { failLogWrites?: boolean; env?: Record<string, string>; flags?: Record<string, string>; baseUrl?: () => string } = {}) {
  resetSpans();
  const metrics = createMetrics({ processMetrics: false });
  countSpansInto(metrics.countSpans);
  const transport = new ArrayTransport(options.failLogWrites ? new Error('EACCES: permission denied') : undefined);
  const config = loadConfig({
    env: { PETSAGE_SMOKE_INTERVAL: '0', PETSAGE_SMOKE_LEDGER_SIZE: '10', PETSAGE_SMOKE_VERIFY_TIMEOUT: '2s', PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '20ms', ...options.env },
    flags: options.flags ?? {},
  });
  const logs = createLogger({ service: 'petsage-smoke', ...config.log }, { transports: [transport] });
  const service = buildService(
    { ...config, log: { ...config.log, file: { ...config.log.file, enabled: false } } },
    { tracing: testTracing, logs, metrics, spanAcks: testSpanAcks },
    { baseUrl: options.baseUrl ?? (() => 'http://127.0.0.1:9'), hostPort: () => '127.0.0.1:9' },
  );
  return { ...service, metrics, logs, lines: transport.lines };
}
