import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { configFile } from '../support/config';
import { spawnDaemon, stopDaemon } from '../support/daemon';
import { startPrometheus } from '../support/prometheus';
import { REPO_ROOT } from '../support/repo';
import { tmpDir } from '../support/tmp';

/** The scrape configuration docs/pipelines.md gives, as written there. */
function documentedScrapeConfigs(): string {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'pipelines.md'), 'utf8');
  const block = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('/probe'));
  expect(block, 'docs/pipelines.md has a scrape config for /probe').to.be.a('string');
  return block!.replace(/^scrape_configs:\n/, '');
}

describe('GET /probe driven by a real Prometheus, with the scrape configuration the docs give', function () {
  this.timeout(120_000);

  it('two pipelines, one broken: probe_success 1 for the healthy one and 0 for the broken one, each labelled', async () => {
    const token = 'e2e-probe-token-0123456789';
    const config = configFile(
      [
        'pipelines:',
        '  team-a: {}',
        '  team-b:', // its log store refuses every connection: never verified
        '    verify: { log: { loki: { url: "http://127.0.0.1:9", timeout: 500ms } } }',
      ].join('\n'),
    );
    const daemon = await spawnDaemon({
      args: ['--config', config],
      env: {
        PETSAGE_SMOKE_AUTH_TOKEN: token,
        PETSAGE_SMOKE_INTERVAL: '0',
        PETSAGE_SMOKE_RATE_LIMIT_MAX: '0',
        OTEL_BSP_SCHEDULE_DELAY: '100', // spans exported within the 1 s each probe may wait
      },
    });
    const tokenFile = path.join(tmpDir('petsage-probe-'), 'token');
    writeFileSync(tokenFile, token);
    const address = new URL(daemon.url).host;
    // Only the addresses and the pace change: every 2 s, each scrape given 1.5 s.
    const scrapeConfigs = documentedScrapeConfigs()
      .replaceAll('smoke.example.internal:8080', address)
      .replaceAll('/etc/prometheus/petsage-smoke.token', tokenFile)
      .replace(/scrape_interval: \S+/g, 'scrape_interval: 2s')
      .replace(/scrape_timeout: \S+/g, 'scrape_timeout: 1500ms');
    expect(scrapeConfigs).to.include('[team-a, team-b]');
    const prometheus = await startPrometheus([], { scrapeConfigs });

    const probes = async () =>
      Object.fromEntries(
        (await prometheus.query('probe_success{job="petsage-smoke-probe"}')).map((s) => [
          s.metric.pipeline,
          s.value[1],
        ]),
      );
    // Prometheus scrapes on its own schedule: ask until both pipelines have been probed once.
    let seen: Record<string, string> = {};
    while (Object.keys(seen).length < 2) {
      seen = await probes();
      if (Object.keys(seen).length < 2) await new Promise((r) => setTimeout(r, 250));
    }
    expect(seen).to.deep.equal({ 'team-a': '1', 'team-b': '0' });
    const [up] = await prometheus.query('up{job="petsage-smoke-probe",pipeline="team-b"}');
    expect(up?.value[1], 'a broken pipeline is a failed probe, not a failed scrape').to.equal('1');
    const reasons = await prometheus.query('probe_signal_success{job="petsage-smoke-probe",pipeline="team-b"} == 0');
    expect(reasons.map((s) => s.metric.signal)).to.deep.equal(['log']);
    expect((await stopDaemon(daemon)).code).to.equal(0);
  });
});
