import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './prometheus';
import { tmpDir } from './tmp';

const VICTORIA_METRICS = 'victoria-metrics';

/**
 * The Debian `victoria-metrics` binary (single node) on a free loopback port, scraping `targets`
 * every second. It serves Prometheus' query API at / and at /prometheus (the path Mimir uses too).
 * A missing binary is an error, not a skip: the README's test command installs it.
 */
export async function startVictoriaMetrics(targets: readonly string[]) {
  if (spawnSync(VICTORIA_METRICS, ['-version']).error) {
    throw new Error('victoria-metrics is not installed: run the README test command, which installs the Debian package "victoria-metrics"');
  }
  const dir = tmpDir('petsage-vm-');
  const config = path.join(dir, 'scrape.yml');
  writeFileSync(config, ['global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: petsage-smoke', '    static_configs:', `      - targets: [${targets.map((t) => `"${t}"`).join(', ')}]`, ''].join('\n'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    VICTORIA_METRICS,
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${path.join(dir, 'data')}`,
      `-promscrape.config=${config}`,
      // Samples are queryable at once (the default hides the last 30 s, for late-arriving data).
      '-search.latencyOffset=0s',
      '-loggerLevel=ERROR',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = once(child, 'exit');
  // Readiness has no push notification: ask /health until it answers (bounded by the test timeout).
  for (;;) {
    const ready = await Promise.race([
      fetch(`${url}/health`).then((r) => r.ok, () => false),
      exited.then(() => {
        throw new Error(`victoria-metrics exited during start-up:\n${output}`);
      }),
    ]);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop(): Promise<void> {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
