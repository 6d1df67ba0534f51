import { requireBinary, startBinaryServer } from './binaryServer';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from './prometheus';
import { REPO_ROOT, RULES_FILE } from './repo';
import { tmpDir } from './tmp';

export const ALERTMANAGER_CONFIG = path.join(REPO_ROOT, 'prometheus', 'alertmanager', 'alertmanager.yml');
const ALERTMANAGER = 'prometheus-alertmanager';

/** The timings the shipped rules and Alertmanager config assume; a stack runs them scaled by a factor. */
export const SHIPPED = { scrapeSeconds: 15, intervalSeconds: 15, verifyTimeoutSeconds: 30 } as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function durationMs(d: string): number {
  let ms = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(ms|s|m|h|d)/g)) ms += Number(n) * UNIT_MS[unit as string]!;
  return ms;
}

/** A Prometheus or Alertmanager duration times `factor`, in whole milliseconds or seconds. */
export function scaleDuration(d: string, factor: number): string {
  const ms = Math.round(durationMs(d) * factor);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The shipped rules with every `for:` and range window scaled: an overlay of the file, not a copy. */
export function scaledRules(factor: number): string {
  const doc = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: { for?: string; expr: string }[] }[] };
  for (const rule of doc.groups.flatMap((g) => g.rules)) {
    if (rule.for) rule.for = scaleDuration(rule.for, factor);
    rule.expr = String(rule.expr).replace(/\[(\w+)\]/g, (_, d: string) => `[${scaleDuration(d, factor)}]`);
  }
  return stringify(doc);
}

/** The shipped Alertmanager config with its timings scaled and every webhook sent to `receiverUrl` (same path). */
export function scaledAlertmanagerConfig(factor: number, receiverUrl: string): string {
  const doc = parse(readFileSync(ALERTMANAGER_CONFIG, 'utf8')) as Record<string, unknown> & {
    receivers: { webhook_configs?: { url: string }[] }[];
  };
  const scaleRoute = (route: Record<string, unknown>) => {
    for (const key of ['group_wait', 'group_interval', 'repeat_interval'])
      if (typeof route[key] === 'string') route[key] = scaleDuration(route[key], factor);
    for (const child of (route.routes as Record<string, unknown>[] | undefined) ?? []) scaleRoute(child);
  };
  scaleRoute(doc.route as Record<string, unknown>);
  for (const hook of doc.receivers.flatMap((r) => r.webhook_configs ?? []))
    hook.url = `${receiverUrl}${new URL(hook.url).pathname}`;
  return stringify(doc);
}

export interface Notified {
  /** When it arrived (ms since epoch). */
  readonly at: number;
  /** The receiver's path: /page, /ticket or /heartbeat. */
  readonly path: string;
  readonly status: 'firing' | 'resolved';
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** A webhook receiver: keeps every alert of every notification, and says when one arrives that matches. */
export async function startReceiver() {
  const received: Notified[] = [];
  const waiters: { match: (n: Notified) => boolean; resolve: (n: Notified) => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString()) as {
        alerts: { status: Notified['status']; labels: Record<string, string>; annotations: Record<string, string> }[];
      };
      for (const a of body.alerts) {
        const n: Notified = {
          at,
          path: new URL(req.url ?? '/', 'http://receiver').pathname,
          status: a.status,
          labels: a.labels,
          annotations: a.annotations,
        };
        received.push(n);
        for (const w of waiters.filter((w) => w.match(n))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(n);
        }
      }
      res.writeHead(200).end();
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    /** The first alert from now on (or already received since `sinceMs`) that matches. */
    waitFor(match: (n: Notified) => boolean, sinceMs = Date.now()): Promise<Notified> {
      const seen = received.find((n) => n.at >= sinceMs && match(n));
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The Debian Alertmanager on a free loopback port, with the given config, clustering off. */
export async function startAlertmanager(config: string) {
  requireBinary(ALERTMANAGER, '--version', 'prometheus-alertmanager');
  const dir = tmpDir('petsage-alertmanager-');
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await startBinaryServer(
    ALERTMANAGER,
    [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    `${url}/-/ready`,
  );
  return {
    url,
    port,
    stop: () => server.stop(),
  };
}

/** Prometheus configuration that loads `rulesFile` and sends alerts to the Alertmanager on `amPort`. */
export function alertingConfig(rulesFile: string, amPort: number): string {
  return [
    `rule_files: ["${rulesFile}"]`,
    'alerting:',
    '  alertmanagers:',
    `    - static_configs: [{ targets: ["127.0.0.1:${amPort}"] }]`,
  ].join('\n');
}
