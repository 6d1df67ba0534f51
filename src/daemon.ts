import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import { createApp } from './http/app';
import type Koa from 'koa';
import { createLifecycle, type Lifecycle } from './http/lifecycle';
import { createLedger } from './smoke/ledger';
import { createSmokeRunner } from './smoke/runSmokeTest';
import { createRenderer } from './telemetry/exposition';
import type { AppLogger } from './telemetry/logger';
import type { Metrics } from './telemetry/metrics';
import type { Tracing } from './telemetry/tracing';
import { VERSION } from './version';

export interface Telemetry {
  readonly tracing: Tracing;
  readonly logs: AppLogger;
  readonly metrics: Metrics;
}

export interface Daemon {
  readonly url: string;
  /** Drains: readiness fails, the server stops accepting and finishes in-flight requests,
   * spans are flushed, a final tally is logged and the log is closed. */
  stop(reason: string): Promise<void>;
}

/** Wires the core to the telemetry: the Koa app and the lifecycle its probes report. */
export function buildService(settings: { serviceName: string; ledgerSize: number }, telemetry: Telemetry): { app: Koa; lifecycle: Lifecycle } {
  const { tracing, logs, metrics } = telemetry;
  const lifecycle = createLifecycle();
  const run = createSmokeRunner({ tracer: tracing.port, log: logs.port, metrics: metrics.port, clock: { now: Date.now } });
  const app = createApp({
    service: { name: settings.serviceName, version: VERSION },
    run,
    ledger: createLedger(settings.ledgerSize),
    renderMetrics: createRenderer(metrics.registry),
    lifecycle,
    logger: logs.logger,
  });
  return { app, lifecycle };
}

/** Serves the service on the configured address. Loaded after tracing starts (see main.ts). */
export async function startDaemon(config: Config, telemetry: Telemetry): Promise<Daemon> {
  const { tracing, logs, metrics } = telemetry;
  const { app, lifecycle } = buildService({ serviceName: config.service.name, ledgerSize: config.ledger.size }, telemetry);
  const handle = app.callback(); // Koa settles its own promise (errors go to handleErrors)
  const server = createServer((req, res) => void handle(req, res));
  const url = await listen(server, config.server.host, config.server.port);
  logs.logger.info('listening', {
    event: 'daemon.listening',
    url,
    version: VERSION,
    traces: tracing.destination,
    log_file: config.log.file.enabled ? config.log.file.path : null,
    startup_seconds: Number(process.uptime().toFixed(3)),
  });

  return {
    url,
    async stop(reason) {
      lifecycle.startDraining();
      logs.logger.info('shutting down', { event: 'daemon.shutdown_started', reason });
      await closeServer(server);
      await tracing.shutdown();
      const totals = await metrics.totals();
      logs.logger.info('stopped', {
        event: 'daemon.stopped',
        runs_total: totals.runs,
        spans_exported: totals.spans.success,
        spans_failed: totals.spans.failure,
        spans_dropped: totals.spans.dropped,
      });
      await logs.close();
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`cannot listen on ${host}:${port}: ${err.code ?? err.message}; set server.port (PORT or --port) to a free port`)),
    );
    server.listen(port, host, () => {
      const { address, port: bound } = server.address() as AddressInfo;
      resolve(`http://${address.includes(':') ? `[${address}]` : address}:${bound}`);
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
