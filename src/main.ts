import { HELP, parseCli } from './cli';
import { auditLog, formatAudit } from './commands/auditLog';
import { check } from './commands/check';
import { ConfigError, loadConfig, type Config } from './config';
import type * as DaemonModule from './daemon';
import { createLogger, LogSetupError } from './telemetry/logger';
import { createMetrics } from './telemetry/metrics';
import { createTracing } from './telemetry/tracing';
import { installShutdown } from './shutdown';
import { PROBE_PATHS } from './http/routes/health';
import { METRICS_PATH } from './http/routes/metrics';
import type { SpanAck } from './verify/traceVerifier';
import { createWaiters } from './verify/waiters';
import { VERSION } from './version';

/** The only place that reads process.env, installs signal handlers and decides the exit code. */
async function main(argv: readonly string[]): Promise<void> {
  const command = parseCli(argv);
  switch (command.kind) {
    case 'help':
      process.stdout.write(HELP);
      return;
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return;
    case 'usage':
      return fail(2, `petsage-smoke: ${command.message}\nRun 'petsage-smoke --help' for usage.`);
    case 'check':
      // The same variable the daemon reads, so one secret serves both sides.
      process.exitCode = await check({ ...command, token: process.env.PETSAGE_SMOKE_AUTH_TOKEN ?? '', out: (line) => process.stdout.write(`${line}\n`) });
      return;
    case 'audit-log':
      return runAudit(command.file);
  }

  let config: Config;
  try {
    config = loadConfig({ env: process.env, flags: command.flags, ...(command.configFile ? { file: command.configFile } : {}) });
  } catch (err) {
    if (err instanceof ConfigError) return fail(2, err.message);
    throw err;
  }

  const metrics = createMetrics({ processMetrics: config.metrics.processMetrics });
  const spanAcks = createWaiters<SpanAck>({ remember: config.ledger.size, now: Date.now });
  const tracing = createTracing(
    { service: config.service.name, version: VERSION, traces: config.traces, untracedPaths: [...PROBE_PATHS, METRICS_PATH] },
    { countSpans: metrics.countSpans, onRunSpanExported: (traceId, ack) => spanAcks.resolve(traceId, ack) },
  );
  let logs;
  try {
    logs = createLogger({ service: config.service.name, ...config.log });
  } catch (err) {
    await tracing.shutdown();
    if (err instanceof LogSetupError) return fail(1, `petsage-smoke: ${err.message}`);
    throw err;
  }
  if (logs.fallback) {
    process.stderr.write(`petsage-smoke: warning: logging to stdout only: ${logs.fallback}\n`);
    logs.logger.warn('log file unavailable; logging to stdout only', { event: 'log.file_unavailable', log_file: config.log.file.path });
  }
  // logrotate's postrotate convention: a new file at the configured path.
  process.on('SIGHUP', () => logs.reopen());

  // Loaded only now: instrumentation patches koa and http as they are first required.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startDaemon } = require('./daemon') as typeof DaemonModule;
  const started = startDaemon(config, { tracing, logs, metrics, spanAcks });
  // Handlers go in before the server listens, so a signal right after "listening" still drains.
  installShutdown({
    signals: process,
    stop: async (reason) => (await started).stop(reason),
    gracePeriodMs: config.server.shutdownGracePeriod,
    // Reached only after the log is closed and flushed (or when draining is abandoned).
    exit: (code) => process.exit(code),
    warn: (line) => process.stderr.write(`${line}\n`),
  });
  try {
    await started;
  } catch (err) {
    await tracing.shutdown();
    await logs.close();
    return fail(1, `petsage-smoke: ${(err as Error).message}`);
  }
}

async function runAudit(file: string): Promise<void> {
  let report;
  try {
    report = await auditLog(file);
  } catch (err) {
    return fail(1, `petsage-smoke: cannot read ${file}: ${(err as Error).message}`);
  }
  process.stdout.write(`${formatAudit(file, report).join('\n')}\n`);
  if (report.segments.some((s) => s.missing > 0)) process.exitCode = 1;
}

function fail(code: number, line: string): void {
  process.stderr.write(`${line}\n`);
  process.exitCode = code;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  fail(1, `petsage-smoke: unexpected error: ${(err as Error).stack ?? String(err)}`);
});
