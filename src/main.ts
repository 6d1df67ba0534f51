import { HELP, parseCli } from './cli';
import type * as AuditLog from './commands/auditLog';
import type * as Check from './commands/check';
import { ConfigError, loadConfig, type Config } from './config/load';
import { startDaemon, type Daemon } from './serve';
import { installShutdown } from './shutdown';
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
    case 'check': {
      // Each command's module is loaded for that command only: the daemon does not start with them.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { check } = require('./commands/check') as typeof Check;
      // The same variable the daemon reads, so one secret serves both sides.
      process.exitCode = await check({
        ...command,
        token: process.env.PETSAGE_SMOKE_AUTH_TOKEN ?? '',
        out: (line) => process.stdout.write(`${line}\n`),
      });
      return;
    }
    case 'audit-log':
      return runAudit(command.file);
  }

  let config: Config;
  try {
    config = loadConfig({
      env: process.env,
      flags: command.flags,
      ...(command.configFile ? { file: command.configFile } : {}),
    });
  } catch (err) {
    if (err instanceof ConfigError) return fail(2, err.message);
    throw err;
  }

  const warn = (line: string) => process.stderr.write(`${line}\n`);
  const started = startDaemon(config, { warn });
  // Handlers go in before the server listens, so a signal right after "listening" still drains.
  installShutdown({
    signals: process,
    stop: async (reason) => (await started).stop(reason),
    gracePeriodMs: config.server.shutdownGracePeriod,
    // Reached only after the log is closed and flushed (or when draining is abandoned).
    exit: (code) => process.exit(code),
    warn,
  });
  let daemon: Daemon;
  try {
    daemon = await started;
  } catch (err) {
    // The log file cannot be written, the port is taken: the message says what to do.
    return fail(1, `petsage-smoke: ${(err as Error).message}`);
  }
  // logrotate's postrotate convention: a new file at the configured path.
  process.on('SIGHUP', () => daemon.reopenLog());
}

async function runAudit(file: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { auditLog, formatAudit } = require('./commands/auditLog') as typeof AuditLog;
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
