import { requireBinary, startBinaryServer } from './binaryServer';
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
  requireBinary(VICTORIA_METRICS, '-version', 'victoria-metrics');
  const dir = tmpDir('petsage-vm-');
  const config = path.join(dir, 'scrape.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: petsage-smoke',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `"${t}"`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await startBinaryServer(
    VICTORIA_METRICS,
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${path.join(dir, 'data')}`,
      `-promscrape.config=${config}`,
      // Samples are queryable at once (the default hides the last 30 s, for late-arriving data).
      '-search.latencyOffset=0s',
      '-loggerLevel=ERROR',
    ],
    `${url}/health`,
  );
  return {
    url,
    stop: () => server.stop(),
  };
}
