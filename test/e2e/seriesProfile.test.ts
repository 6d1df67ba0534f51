import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { spawnDaemon, type SpawnedDaemon } from '../support/daemon';
import { freePort, startPrometheus, type RealPrometheus } from '../support/prometheus';
import { REPO_ROOT, grafanaQuery, readAlertRules, readDashboard } from '../support/repo';
import { startLoki } from '../support/standins/loki';
import { tmpDir } from '../support/tmp';

const OVERLAY = path.join(REPO_ROOT, 'deploy', 'kubernetes', 'overlays', 'daemonset', 'petsage-smoke.yaml');
/** The most series a daemon on every node may cost its metrics store (issue's budget). */
const NODE_SERIES_BUDGET = 80;
/** What docs/operations.md#series-per-daemon says the overlay's daemon exposes, in its words. */
const documentedSeries = () => {
  const text = readFileSync(path.join(REPO_ROOT, 'docs', 'operations.md'), 'utf8').replace(/\s+/g, ' ');
  const stated = /its log read back from Loki, a probes listener\) exposes (\d+) series/.exec(text)?.[1];
  expect(stated, "docs/operations.md states the overlay daemon's series").to.be.a('string');
  return Number(stated);
};

/** Each series selector in a query: `name{matchers}` or a bare name. */
const selectors = (expr: string) =>
  [...expr.matchAll(/\b((?:petsage_smoke|process|nodejs)_[a-z_]+)(\{[^}]*\})?/g)].map((m) => m[0]);
/** Series that appear with a failure (the node profile starts only the verified ones): the broken daemon has them. */
const withFailure = (selector: string) => /outcome=~"missing\|error"/.test(selector);
/** Series of a condition neither daemon is in (a throttled store, a run over capacity): their metric must be there. */
const withCondition = (selector: string) => /reason="(throttled|over_capacity)"/.test(selector);
/** A selector narrowed to one daemon. */
const on = (selector: string, instance: string) =>
  selector.includes('{') ? selector.replace('{', `{instance="${instance}",`) : `${selector}{instance="${instance}"}`;

describe('the node series profile (the DaemonSet overlay) under a real Prometheus: at most 80 series a daemon, every rule and panel still reads its data', function () {
  this.timeout(120_000);
  const daemons: SpawnedDaemon[] = [];
  let prometheus: RealPrometheus;
  let healthy: string;
  let broken: string;

  before(async () => {
    expect((parse(readFileSync(OVERLAY, 'utf8')) as { metrics?: { profile?: string } }).metrics?.profile).to.equal(
      'node',
    );
    const loki = await startLoki();
    // The overlay's config as a node runs it, but for the container's paths and the cluster's Loki:
    // here the verification line goes to a Loki stand-in over OTLP and is read back from it.
    const start = async (args: string[] = []) => {
      const dir = tmpDir('petsage-node-');
      const probes = await freePort();
      daemons.push(
        await spawnDaemon({
          args: ['--config', OVERLAY, ...args],
          env: {
            PETSAGE_SMOKE_INTERVAL: '200ms',
            PETSAGE_SMOKE_VERIFY_TIMEOUT: '5s',
            PETSAGE_SMOKE_PROBES_PORT: String(probes),
            PETSAGE_SMOKE_STATE_FILE: path.join(dir, 'state.jsonl'),
            PETSAGE_SMOKE_LOKI_URL: loki.url,
            PETSAGE_SMOKE_LOKI_SELECTOR: '{service_name="petsage-smoke"}',
            PETSAGE_SMOKE_LOKI_MATCH: 'metadata',
            OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${loki.url}/otlp/v1/logs`,
            OTEL_BSP_SCHEDULE_DELAY: '100',
            OTEL_BLRP_SCHEDULE_DELAY: '100',
          },
        }),
      );
      // Prometheus scrapes the probes listener, as the overlay's PodMonitor does.
      return `127.0.0.1:${probes}`;
    };
    healthy = await start();
    broken = await start(['--log-file', '/dev/full']); // its log signal fails at the file: failures to count
    prometheus = await startPrometheus([healthy, broken], {
      extraConfig: `rule_files: ["${path.join(REPO_ROOT, 'prometheus', 'rules', 'petsage-smoke.rules.yml')}"]`,
    });
    // Enough scrapes for rate() over 10 s windows, the broken daemon's failures among them.
    for (;;) {
      const ready = await prometheus.query(
        `count_over_time(up{instance="${healthy}"}[1m]) >= 8 and on () ` +
          `petsage_smoke_signal_consecutive_failures{instance="${broken}",signal="log"} >= 2`,
      );
      if (ready.length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  after(async () => {
    await prometheus?.stop();
    for (const d of daemons) d.child.kill('SIGTERM');
    await Promise.all(daemons.map((d) => d.exited));
  });

  it(`a healthy daemon exposes at most ${NODE_SERIES_BUDGET} series, every signal verified from the store`, async () => {
    const [scraped] = await prometheus.query(`scrape_samples_scraped{instance="${healthy}"}`);
    const series = Number(scraped!.value[1]);
    process.stdout.write(`      node profile, one pipeline read back from Loki: ${series} series\n`);
    expect(series).to.be.at.most(NODE_SERIES_BUDGET);
    expect(series, 'as docs/operations.md states').to.equal(documentedSeries());
    const verified = await prometheus.query(
      `petsage_smoke_signal_verifications_total{instance="${healthy}",outcome="verified"} > 0`,
    );
    expect(verified.map((s) => s.metric.signal).sort()).to.deep.equal(['log', 'metric', 'trace']);
    const failed = await prometheus.query(
      `petsage_smoke_signal_verifications_total{instance="${healthy}",outcome!="verified"}`,
    );
    expect(
      failed.map((s) => s.metric),
      'failure series of a healthy daemon',
    ).to.deep.equal([]);
  });

  for (const rule of readAlertRules()) {
    it(`${rule.alert}: every series it reads is there, and Prometheus evaluates it without error`, async () => {
      for (const selector of selectors(rule.expr)) {
        const from = withFailure(selector) ? broken : healthy;
        const found = await prometheus.query(
          on(withCondition(selector) ? selector.replace(/\{.*/, '') : selector, from),
        );
        expect(found.length, `${selector} on ${from}`).to.be.greaterThan(0);
      }
      const res = await fetch(`${prometheus.url}/api/v1/rules?type=alert`);
      const body = (await res.json()) as {
        data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
      };
      const loaded = body.data.groups.flatMap((g) => g.rules).find((r) => r.name === rule.alert);
      expect(loaded, 'loaded by Prometheus').to.not.equal(undefined);
      expect(loaded!.lastError ?? '', rule.alert).to.equal('');
      expect(loaded!.health).to.equal('ok');
    });
  }

  it('the healthy daemon raises no alert: no rule but the watchdog has an answer for it', async () => {
    const raised: string[] = [];
    for (const rule of readAlertRules().filter((r) => r.alert !== 'PetsageSmokeWatchdog'))
      for (const s of await prometheus.query(rule.expr))
        if (s.metric.instance === healthy) raised.push(`${rule.alert} ${s.metric.signal ?? ''}`);
    expect(raised).to.deep.equal([]);
  });

  it("PetsageSmokeSignalFailing and PetsageSmokeSignalFailureRatioHigh's expressions name the broken daemon's log signal", async () => {
    for (const name of ['PetsageSmokeSignalFailing', 'PetsageSmokeSignalFailureRatioHigh']) {
      const rule = readAlertRules().find((r) => r.alert === name)!;
      const result = await prometheus.query(rule.expr);
      expect(
        result.map((s) => `${s.metric.instance} ${s.metric.signal}`),
        name,
      ).to.deep.equal([`${broken} log`]);
    }
  });

  for (const panel of readDashboard().panels) {
    it(`"${panel.title}" shows data`, async () => {
      for (const target of panel.targets) {
        const result = await prometheus.query(grafanaQuery(target.expr, `${healthy}|${broken}`));
        // No run was over capacity here: in this profile its series appears with the first one.
        if (target.expr.includes('reason="over_capacity"')) continue;
        expect(result.length, `${target.refId}: ${target.expr}`).to.be.greaterThan(0);
      }
    });
  }
});
