import { renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  SHIPPED,
  alertingConfig,
  scaleDuration,
  scaledAlertmanagerConfig,
  scaledRules,
  startAlertmanager,
  startReceiver,
  type Notified,
} from './alerting';
import { spawnDaemon, type SpawnedDaemon } from './daemon';
import { freePort, startPrometheus } from './prometheus';
import { startTempo } from './standins/tempo';
import { tmpDir } from './tmp';

/** Every shipped timing divided by 15: a 15 s scrape, evaluation and schedule become 1 s (the harness' Prometheus). */
export const SCALE = 1 / 15;
/** The read-back window (verify.timeout) of the stack's daemon, in seconds: not divided by 15 (below). */
export const READ_BACK_SECONDS = 6;

/**
 * A daemon on its schedule, a real Prometheus evaluating the shipped rules (scaled) against it, a
 * real Alertmanager with the shipped config (scaled) and a webhook receiver; spans go to a Tempo
 * stand-in, which also answers the trace read-back. `shipped`: every timing as shipped (a 15 s
 * scrape, evaluation and schedule, a 30 s read-back), and the metric read back through this
 * Prometheus, as in production.
 */
export async function startAlertStack(options: { env?: Record<string, string>; shipped?: boolean } = {}) {
  const scale = options.shipped ? 1 : SCALE;
  const receiver = await startReceiver();
  const alertmanager = await startAlertmanager(scaledAlertmanagerConfig(scale, receiver.url));
  const tempo = await startTempo();
  const rulesFile = path.join(tmpDir('petsage-rules-'), 'petsage-smoke.rules.yml');
  writeFileSync(rulesFile, scaledRules(scale));
  const port = await freePort();
  const hostPort = `127.0.0.1:${port}`;
  const prometheusPort = await freePort();
  const env = {
    PETSAGE_SMOKE_INTERVAL: `${SHIPPED.intervalSeconds * scale * 1000}ms`,
    // Not scaled down to 2 s: the OTLP exporter retries a refused connection for 3-5 s before it
    // reports the failure, and the read-back window must outlast that, as the shipped 30 s does.
    PETSAGE_SMOKE_VERIFY_TIMEOUT: `${options.shipped ? SHIPPED.verifyTimeoutSeconds : READ_BACK_SECONDS}s`,
    ...(options.shipped
      ? {
          PETSAGE_SMOKE_PROMETHEUS_URL: `http://127.0.0.1:${prometheusPort}`,
          PETSAGE_SMOKE_METRICS_SELECTOR: 'job="petsage-smoke"',
        }
      : {}),
    PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '100ms',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_EXPORTER_OTLP_TIMEOUT: '500',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${tempo.url}/v1/traces`,
    PETSAGE_SMOKE_TEMPO_URL: tempo.url,
    ...options.env,
  };
  const spawnOnPort = () => spawnDaemon({ args: ['--port', String(port)], env });
  let daemon: SpawnedDaemon = await spawnOnPort();
  // Prometheus re-sends firing alerts every resend-delay (1m), scaled like the rest: an alert sent before
  // it had found its Alertmanager would otherwise wait a full minute.
  const prometheus = await startPrometheus([hostPort], {
    port: prometheusPort,
    intervalSeconds: SHIPPED.scrapeSeconds * scale,
    extraConfig: alertingConfig(rulesFile, alertmanager.port),
    flags: [`--rules.alert.resend-delay=${scaleDuration('1m', scale)}`],
  });

  return {
    receiver,
    alertmanager,
    tempo,
    prometheus,
    hostPort,
    get daemon() {
      return daemon;
    },
    async restartDaemon() {
      daemon = await spawnOnPort();
    },
    /** Until Prometheus has no alert firing or pending but the watchdog (a poll: there is no event). */
    async quiet(): Promise<void> {
      while ((await prometheus.query('ALERTS{alertname!="PetsageSmokeWatchdog"}')).length > 0)
        await new Promise((r) => setTimeout(r, 250));
    },
    async close() {
      daemon.child.kill('SIGKILL');
      await daemon.exited;
      await prometheus.stop();
      await alertmanager.stop();
      await tempo.close();
      await receiver.close();
    },
  };
}

export type AlertStack = Awaited<ReturnType<typeof startAlertStack>>;

/** A fault to inject, the alert it must raise (and nothing else), and its repair. */
export interface Fault {
  readonly name: string;
  readonly alert: (stack: AlertStack) => Record<string, string>;
  inject(stack: AlertStack): Promise<void>;
  repair(stack: AlertStack): Promise<void>;
}

const failing = (signal: string, reason: string) => (s: AlertStack) => ({
  alertname: 'PetsageSmokeSignalFailing',
  instance: s.hostPort,
  signal,
  reason,
});

export const FAULTS: readonly Fault[] = [
  {
    name: 'log file on a full disk',
    alert: failing('log', 'write_failed'),
    // The path now leads to /dev/full (every write: ENOSPC); the daemon notices the new file at its path.
    async inject(s) {
      renameSync(s.daemon.logFile, `${s.daemon.logFile}.before`);
      symlinkSync('/dev/full', s.daemon.logFile);
    },
    async repair(s) {
      unlinkSync(s.daemon.logFile);
    },
  },
  {
    name: 'OTLP collector refuses connections',
    alert: failing('trace', 'export_failed'),
    inject: (s) => s.tempo.down(),
    repair: (s) => s.tempo.up(),
  },
  {
    name: 'OTLP collector hangs',
    alert: failing('trace', 'export_failed'),
    inject: async (s) => void (s.tempo.behaviour.hangWrites = true),
    repair: async (s) => void (s.tempo.behaviour.hangWrites = false),
  },
  {
    name: 'trace query backend down (Tempo answers 503)',
    alert: failing('trace', 'server_error'),
    inject: async (s) => void (s.tempo.behaviour.readStatus = 503),
    repair: async (s) => void delete s.tempo.behaviour.readStatus,
  },
  {
    name: 'daemon removed from the scrape configuration',
    alert: () => ({ alertname: 'PetsageSmokeAbsent', job: 'petsage-smoke' }),
    // Prometheus takes a reloaded target list in through its discovery, which passes updates on every
    // 5 s: the fault is in place once it no longer scrapes the daemon (a poll: there is no event).
    async inject(s) {
      await s.prometheus.setTargets([]);
      while ((await s.prometheus.activeTargets()).includes(s.hostPort)) await new Promise((r) => setTimeout(r, 100));
    },
    repair: (s) => s.prometheus.setTargets([s.hostPort]),
  },
  {
    name: 'daemon killed',
    alert: (s) => ({ alertname: 'PetsageSmokeDown', instance: s.hostPort }),
    async inject(s) {
      s.daemon.child.kill('SIGKILL');
      await s.daemon.exited;
    },
    repair: (s) => s.restartDaemon(),
  },
];

export interface FaultResult {
  readonly fault: string;
  readonly expected: Record<string, string>;
  readonly page: Notified;
  readonly resolved: Notified;
  readonly secondsToPage: number;
  readonly secondsToResolved: number;
  /** Every other alert that fired (a page or a ticket) from injection to resolution. A notification
   * also lists its group's recently resolved alerts (an earlier case's): those are not new alerts. */
  readonly others: Notified[];
}

const matches = (n: Notified, labels: Record<string, string>) =>
  Object.entries(labels).every(([k, v]) => n.labels[k] === v);

/** From a quiet stack: inject, wait for the page, repair, wait for its resolution. */
export async function runFault(stack: AlertStack, fault: Fault): Promise<FaultResult> {
  await stack.quiet();
  const expected = fault.alert(stack);
  const startedAt = Date.now();
  await fault.inject(stack);
  // Time to page counts from the moment the fault is in place (a reload answered, a process gone).
  const injectedAt = Date.now();
  const page = await stack.receiver.waitFor(
    (n) => n.status === 'firing' && n.path !== '/heartbeat' && matches(n, expected),
    startedAt,
  );
  const repairedAt = Date.now();
  await fault.repair(stack);
  const resolved = await stack.receiver.waitFor((n) => n.status === 'resolved' && matches(n, expected), repairedAt);
  const others = stack.receiver.received.filter(
    (n) =>
      n.at >= startedAt &&
      n.at <= resolved.at &&
      n.path !== '/heartbeat' &&
      n.status === 'firing' &&
      !matches(n, expected),
  );
  return {
    fault: fault.name,
    expected,
    page,
    resolved,
    secondsToPage: (page.at - injectedAt) / 1000,
    secondsToResolved: (resolved.at - repairedAt) / 1000,
    others,
  };
}
