import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { composeService, createTelemetry, type ComposeOptions, type Service } from './compose';
import { configWarnings } from './config/checks';
import { pipelinesOf, spanFileOf } from './config/pipelines';
import type { Config } from './config/schema';
import { lockFile } from './fileLock';
import { KEEP_SET_ASIDE } from './stateKeeper';
import type * as HttpModule from './http/module';
import { VERSION } from './version';
import { EVENT } from './vocabulary';

export interface Daemon {
  readonly url: string;
  /** The probe listener's address, when server.probes is on. */
  readonly probesUrl: string | undefined;
  stop(reason: string): Promise<void>;
  /** Starts a new log file at the path (SIGHUP, logrotate's convention). */
  reopenLog(): void;
}

/**
 * Takes the daemon's files (refused when another live daemon has one), builds the service, resumes
 * what an earlier process left, then listens and attaches the app: a request never meets a daemon
 * that is half built.
 */
export async function startDaemon(
  config: Config,
  options: { warn: (line: string) => void } & ComposeOptions,
): Promise<Daemon> {
  const releases = lockFiles(config);
  const telemetry = (() => {
    try {
      return createTelemetry(config, options);
    } catch (err) {
      for (const release of releases) release();
      throw err;
    }
  })();
  const { logs } = telemetry;
  if (logs.fallback) {
    options.warn(`petsage-smoke: warning: logging to stdout only: ${logs.fallback}`);
    logs.logger.warn('log file unavailable; logging to stdout only', {
      event: EVENT.logFileUnavailable,
      log_file: config.log.file.path,
    });
  }
  for (const warning of configWarnings(config)) {
    options.warn(`petsage-smoke: warning: ${warning}`);
    logs.logger.warn('configuration', { event: EVENT.configWarning, warning });
  }
  const service = composeService(config, telemetry, options);
  const stopAndRelease = async (reason: string, closeServer?: () => Promise<void>) => {
    try {
      await service.stop(reason, closeServer);
    } finally {
      for (const release of releases) release();
    }
  };
  const servers: Server[] = [];
  let url: string;
  let probesUrl: string | undefined;
  try {
    await service.restore();
    url = await serveApp(service.app, config, config.server.host, config.server.port, 'main', servers, service);
    const { probes } = config.server;
    if (probes.enabled)
      probesUrl = await serveApp(
        service.probesApp,
        config,
        probes.host || config.server.host,
        probes.port,
        'probes',
        servers,
        service,
      );
  } catch (err) {
    await stopAndRelease('start failed', () => Promise.all(servers.map(closeServer)).then(() => undefined));
    throw err;
  }
  logs.logger.info('listening', {
    event: EVENT.listening,
    url,
    ...(probesUrl ? { probes_url: probesUrl } : {}),
    version: VERSION,
    process_id: telemetry.processId,
    pipelines: Object.fromEntries(
      telemetry.pipelines.map((p) => {
        const pipeline = service.pipelines.find((s) => s.name === p.config.name)!;
        return [
          p.config.name,
          {
            traces: p.tracing.destination,
            log_records: p.otlpLogs.destination,
            metrics: p.otlpMetrics.destination,
            schedule: p.config.schedule.interval > 0 ? `every ${p.config.schedule.interval} ms` : 'off',
            read_back: pipeline.asked,
          },
        ];
      }),
    ),
    files: writtenFiles(config, logs.file),
    startup_seconds: Number(process.uptime().toFixed(3)),
  });
  return {
    url,
    probesUrl,
    stop: (reason) => stopAndRelease(reason, () => Promise.all(servers.map(closeServer)).then(() => undefined)),
    reopenLog: () => logs.reopen(),
  };
}

/** Every file the daemon writes, for the start-up line: an operator sees where the disk goes. */
function writtenFiles(config: Config, logFile: string | undefined): Record<string, string> {
  const files = Object.fromEntries(
    [
      ['log', logFile ?? ''],
      ['state', config.state.path],
      ...pipelinesOf(config).map((p) => [`spans_${p.name}`, spanFileOf(p.traces) ?? '']),
    ].filter(([, file]) => file),
  );
  if (Object.keys(files).length === 0) return files;
  return {
    ...files,
    beside_them: [
      '<file>.lock while running',
      ...(logFile || Object.keys(files).some((k) => k.startsWith('spans_'))
        ? ['<file>.1 … .<maxFiles> as the log and span files rotate']
        : []),
      ...(config.state.path
        ? [
            `<state>.tmp while it is written, and up to ${KEEP_SET_ASIDE} copies set aside (<state>.unreadable-<time>, .set-aside-<time>)`,
          ]
        : []),
    ].join('; '),
  };
}

/** The state, log and span files, each locked for this daemon alone (one line names a file in use). */
function lockFiles(config: Config): (() => void)[] {
  const files: [string, string][] = [
    ...(config.state.path ? [[config.state.path, 'the state file'] as [string, string]] : []),
    ...(config.log.file.enabled ? [[config.log.file.path, 'the log file'] as [string, string]] : []),
    ...pipelinesOf(config).flatMap((p) => {
      const file = spanFileOf(p.traces);
      return file ? [[file, 'the span file'] as [string, string]] : [];
    }),
  ];
  const releases: (() => void)[] = [];
  try {
    for (const [file, what] of files) releases.push(lockFile(file, what));
  } catch (err) {
    for (const release of releases) release();
    throw err;
  }
  return releases;
}

async function serveApp(
  app: Koa,
  config: Config,
  host: string,
  port: number,
  listener: string,
  servers: Server[],
  service: Service,
): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { answerClientError, guardConnections } = require('./http/module') as typeof HttpModule;
  const { headersTimeout, requestTimeout, maxConnections, maxConnectionsPerClient, firstByteTimeout } = config.server;
  // Node checks these timeouts on an interval (30 s by default): once a second keeps them close to what is configured.
  const server = createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval: 1000 });
  server.maxConnections = maxConnections;
  server.on('clientError', answerClientError);
  guardConnections(server, {
    perClient: maxConnectionsPerClient,
    firstByteMs: firstByteTimeout,
    registry: service.telemetry.registry,
    listener,
  });
  const bound = await listen(server, host, port, listener === 'main' ? 'server.port' : 'server.probes.port');
  servers.push(server);
  const handle = app.callback(); // Koa settles its own promise (errors are answered by the envelope)
  server.on('request', (req, res) => void handle(req, res));
  return bound;
}

function listen(server: Server, host: string, port: number, key: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`cannot listen on ${host}:${port}: ${err.code ?? err.message}; set ${key} to a free port`)),
    );
    server.listen(port, host, () => {
      const { address, port: boundPort } = server.address() as AddressInfo;
      resolve(`http://${address.includes(':') ? `[${address}]` : address}:${boundPort}`);
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
