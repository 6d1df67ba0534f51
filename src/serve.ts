import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeService, createTelemetry } from './compose';
import type { Config } from './config/schema';
import type * as HttpModule from './http/module';
import { VERSION } from './version';
import { EVENT } from './vocabulary';

export interface Daemon {
  readonly url: string;
  stop(reason: string): Promise<void>;
  /** Starts a new log file at the path (SIGHUP, logrotate's convention). */
  reopenLog(): void;
}

/**
 * Listens first, so the bound address is known before anything needs it, then builds the service
 * and attaches it, all in one turn of the event loop: no request arrives in between.
 */
export async function startDaemon(config: Config, options: { warn: (line: string) => void }): Promise<Daemon> {
  const telemetry = createTelemetry(config);
  const { logs } = telemetry;
  if (logs.fallback) {
    options.warn(`petsage-smoke: warning: logging to stdout only: ${logs.fallback}`);
    logs.logger.warn('log file unavailable; logging to stdout only', {
      event: EVENT.logFileUnavailable,
      log_file: config.log.file.path,
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { answerClientError } = require('./http/module') as typeof HttpModule;
  const { headersTimeout, requestTimeout, maxConnections } = config.server;
  // Node checks these timeouts on an interval (30 s by default): once a second keeps them close to what is configured.
  const server = createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval: 1000 });
  server.maxConnections = maxConnections;
  server.on('clientError', answerClientError);
  let bound: { baseUrl: string; hostPort: string };
  try {
    bound = await listen(server, config.server.host, config.server.port);
  } catch (err) {
    await telemetry.tracing.shutdown();
    await logs.close();
    throw err;
  }
  const service = composeService(config, telemetry, { hostPort: bound.hostPort, warn: options.warn });
  const handle = service.app.callback(); // Koa settles its own promise (errors are answered by the envelope)
  server.on('request', (req, res) => void handle(req, res));
  logs.logger.info('listening', {
    event: EVENT.listening,
    url: bound.baseUrl,
    version: VERSION,
    traces: telemetry.tracing.destination,
    log_records: telemetry.otlpLogs.destination,
    log_file: logs.file ?? null,
    schedule: config.schedule.interval > 0 ? `every ${config.schedule.interval} ms` : 'off',
    startup_seconds: Number(process.uptime().toFixed(3)),
  });
  return {
    url: bound.baseUrl,
    stop: (reason) => service.stop(reason, () => closeServer(server)),
    reopenLog: () => logs.reopen(),
  };
}

function listen(server: Server, host: string, port: number): Promise<{ baseUrl: string; hostPort: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot listen on ${host}:${port}: ${err.code ?? err.message}; set server.port (PORT or --port) to a free port`,
        ),
      ),
    );
    server.listen(port, host, () => {
      const { address, port: boundPort } = server.address() as AddressInfo;
      const hostPort = `${address.includes(':') ? `[${address}]` : address}:${boundPort}`;
      resolve({ baseUrl: `http://${hostPort}`, hostPort });
    });
  });
}

/** Stops accepting, lets in-flight requests finish; idle keep-alive sockets are closed now. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
