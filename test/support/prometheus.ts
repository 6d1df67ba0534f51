import { startBinaryServer, requireBinary } from './binaryServer';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { tmpDir } from './tmp';

/** A free loopback port (bound and released; the window before reuse is small on loopback). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export interface RealPrometheus {
  readonly url: string;
  /** Rewrites the scrape targets and reloads the configuration (POST /-/reload). */
  setTargets(targets: readonly string[]): Promise<void>;
  stop(): Promise<void>;
  /** Starts again on the same port with the same storage. */
  start(): Promise<void>;
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** The targets Prometheus scrapes now (instance labels): a reloaded list takes effect up to 5 s later. */
  activeTargets(): Promise<string[]>;
}

const PROMETHEUS = 'prometheus';

/**
 * The Debian `prometheus` binary on a free loopback port, scraping `targets` every second.
 * A missing binary is an error, not a skip: the README's test command installs it.
 */
export async function startPrometheus(
  targets: readonly string[],
  options: {
    port?: number;
    extraConfig?: string;
    flags?: readonly string[];
    /** Scrape jobs of the test's own (YAML under scrape_configs:), instead of the one job on `targets`. */
    scrapeConfigs?: string;
    /** Scrape and evaluation interval (default 1 s). */
    intervalSeconds?: number;
  } = {},
): Promise<RealPrometheus> {
  requireBinary(PROMETHEUS, '--version', 'prometheus');
  const dir = tmpDir('petsage-prometheus-');
  const configFile = path.join(dir, 'prometheus.yml');
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const interval = options.intervalSeconds ?? 1;
  mkdirSync(path.join(dir, 'data'));
  const writeConfig = (t: readonly string[]) =>
    writeFileSync(
      configFile,
      [
        'global:',
        `  scrape_interval: ${interval}s`,
        `  scrape_timeout: ${Math.min(interval, 10)}s`,
        `  evaluation_interval: ${interval}s`,
        options.extraConfig ?? '',
        'scrape_configs:',
        options.scrapeConfigs ??
          [
            '  - job_name: petsage-smoke',
            '    static_configs:',
            `      - targets: [${t.map((x) => `"${x}"`).join(', ')}]`,
          ].join('\n'),
        '',
      ].join('\n'),
    );
  writeConfig(targets);

  let server: { stop(): Promise<void> } | undefined;
  async function start(): Promise<void> {
    const args = [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--enable-feature=exemplar-storage',
      '--log.level=warn',
      ...(options.flags ?? []),
    ];
    server = await startBinaryServer(PROMETHEUS, args, `${url}/-/ready`);
  }
  await start();

  return {
    url,
    async setTargets(t) {
      writeConfig(t);
      const res = await fetch(`${url}/-/reload`, { method: 'POST' });
      if (!res.ok) throw new Error(`reload failed: HTTP ${res.status} ${await res.text()}`);
    },
    stop: async () => server?.stop(),
    start,
    async activeTargets() {
      const res = await fetch(`${url}/api/v1/targets?state=active`);
      const body = (await res.json()) as { data: { activeTargets: { labels: Record<string, string> }[] } };
      return body.data.activeTargets.map((t) => t.labels.instance ?? '');
    },
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as {
        status: string;
        error?: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`query failed: ${body.error ?? res.status}`);
      return body.data.result;
    },
  };
}
