import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { scaledAlertmanagerConfig, startAlertmanager, startReceiver } from '../support/alerting';
import { REPO_ROOT, RULES_FILE, readAlertRules } from '../support/repo';
import { tmpDir } from '../support/tmp';

function promtool(...args: string[]) {
  const res = spawnSync('promtool', args, { cwd: path.join(REPO_ROOT, 'prometheus'), encoding: 'utf8' });
  expect(res.error, 'promtool must be installed (Debian package prometheus)').to.equal(undefined);
  return { code: res.status, output: `${res.stdout}${res.stderr}` };
}

function amtool(file: string) {
  const res = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
  expect(res.error, 'amtool must be installed (Debian package prometheus-alertmanager)').to.equal(undefined);
  return { code: res.status, output: `${res.stdout}${res.stderr}` };
}

const AM_CONFIG = path.join(REPO_ROOT, 'prometheus', 'alertmanager', 'alertmanager.yml');

describe('prometheus config and alert rules', () => {
  it('amtool check-config accepts the example Alertmanager config, and each commented receiver example too', () => {
    const shipped = amtool(AM_CONFIG);
    expect(shipped.code, shipped.output).to.equal(0);
    expect(shipped.output).to.include('3 inhibit rules');
    // The commented receivers, uncommented in place of the webhooks: they must be valid as written.
    const text = readFileSync(AM_CONFIG, 'utf8');
    const [head, examples] = text.split('# Common receivers, for the `page` and `ticket` receivers above:\n#\n');
    expect(examples, 'the commented examples').to.be.a('string').and.include('pagerduty_configs');
    const receivers = examples!
      .split('\n')
      .map((l) => l.replace(/^#/, ''))
      .join('\n');
    const file = path.join(tmpDir(), 'alertmanager-examples.yml');
    writeFileSync(file, `${head!.split('receivers:\n')[0]}receivers:\n${receivers}`);
    const examplesChecked = amtool(file);
    expect(examplesChecked.code, examplesChecked.output).to.equal(0);
    expect(examplesChecked.output).to.include('3 receivers');
  });

  it('amtool routes each alert by its severity: pages, tickets, and the watchdog to the dead man switch', () => {
    const receiverOf: Record<string, string> = { critical: 'page', warning: 'ticket', none: 'deadmansswitch' };
    const rules = parse(readFileSync(RULES_FILE, 'utf8')) as {
      groups: { rules: { alert: string; labels: { severity: string } }[] }[];
    };
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      const res = spawnSync(
        'amtool',
        [
          'config',
          'routes',
          'test',
          `--config.file=${AM_CONFIG}`,
          `--verify.receivers=${receiverOf[rule.labels.severity]}`,
          `alertname=${rule.alert}`,
          `severity=${rule.labels.severity}`,
          'instance=a:8080',
          'pipeline=team-a',
          'signal=log',
        ],
        { encoding: 'utf8' },
      );
      expect(res.status, `${rule.alert}: ${res.stdout}${res.stderr}`).to.equal(0);
    }
  });

  it('a real Alertmanager with the example config groups per pipeline and inhibits per pipeline', async () => {
    const receiver = await startReceiver();
    const am = await startAlertmanager(scaledAlertmanagerConfig(1, receiver.url));
    try {
      const alert = (labels: Record<string, string>) => ({ labels: { job: 'petsage-smoke', ...labels } });
      const a = { instance: 'a:8080', signal: 'log' };
      const posted = await fetch(`${am.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          // Daemon a: pipeline team-a's log path is broken, and stale because of it; team-b's is stale.
          alert({
            alertname: 'PetsageSmokeSignalFailing',
            severity: 'critical',
            ...a,
            pipeline: 'team-a',
            reason: 'not_found',
          }),
          alert({ alertname: 'PetsageSmokeSignalNotVerified', severity: 'critical', ...a, pipeline: 'team-a' }),
          alert({
            alertname: 'PetsageSmokeSignalThrottled',
            severity: 'warning',
            ...a,
            pipeline: 'team-a',
            reason: 'throttled',
          }),
          alert({ alertname: 'PetsageSmokeSignalNotVerified', severity: 'critical', ...a, pipeline: 'team-b' }),
          // Daemon b is down: its pipelines' alerts say nothing new.
          alert({ alertname: 'PetsageSmokeDown', severity: 'critical', instance: 'b:8080' }),
          alert({
            alertname: 'PetsageSmokeSignalFailing',
            severity: 'critical',
            instance: 'b:8080',
            pipeline: 'team-a',
            signal: 'trace',
            reason: 'unreachable',
          }),
          // Another cluster's daemon at the same address is down: that silences nothing here.
          alert({ alertname: 'PetsageSmokeDown', severity: 'critical', instance: 'c:8080', cluster: 'east' }),
          alert({
            alertname: 'PetsageSmokeSignalFailing',
            severity: 'critical',
            instance: 'c:8080',
            cluster: 'west',
            pipeline: 'team-a',
            signal: 'metric',
            reason: 'not_found',
          }),
        ]),
      });
      expect(posted.status).to.equal(200);
      type Group = {
        labels: Record<string, string>;
        receiver: { name: string };
        alerts: { labels: Record<string, string>; status: { state: string } }[];
      };
      // The dispatcher groups what it is sent on its own time: ask until all eight are grouped.
      let groups: Group[] = [];
      for (;;) {
        groups = (await (await fetch(`${am.url}/api/v2/alerts/groups`)).json()) as Group[];
        if (groups.flatMap((g) => g.alerts).length === 8) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const seen = groups
        .map((g) => {
          const states = g.alerts.map((x) => x.status.state).join(',');
          return `${g.receiver.name} ${Object.entries(g.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}: ${states}`;
        })
        .sort();
      expect(seen).to.deep.equal([
        'page alertname=PetsageSmokeDown cluster=east instance=c:8080: active',
        'page alertname=PetsageSmokeDown instance=b:8080: active',
        'page alertname=PetsageSmokeSignalFailing cluster=west instance=c:8080 pipeline=team-a signal=metric: active',
        'page alertname=PetsageSmokeSignalFailing instance=a:8080 pipeline=team-a signal=log: active',
        'page alertname=PetsageSmokeSignalFailing instance=b:8080 pipeline=team-a signal=trace: suppressed',
        'page alertname=PetsageSmokeSignalNotVerified instance=a:8080 pipeline=team-a signal=log: suppressed',
        'page alertname=PetsageSmokeSignalNotVerified instance=a:8080 pipeline=team-b signal=log: active',
        'ticket alertname=PetsageSmokeSignalThrottled instance=a:8080 pipeline=team-a signal=log: suppressed',
      ]);
    } finally {
      await am.stop();
      await receiver.close();
    }
  });

  it('promtool check config accepts the example prometheus.yml (and its rule file), and its commented external labels', () => {
    const { code, output } = promtool('check', 'config', 'prometheus.yml');
    expect(code, output).to.equal(0);
    expect(output).to.include('SUCCESS: 1 rule files found');
    // The commented external_labels block (runbook_base, cluster), uncommented in place: valid as written.
    const text = readFileSync(path.join(REPO_ROOT, 'prometheus', 'prometheus.yml'), 'utf8');
    const uncommented = text.replace(
      /^ {2}# external_labels:\n((?: {2}# {3}.*\n)+)/m,
      (_, body: string) => `  external_labels:\n${body.replace(/^ {2}# {3}/gm, '    ')}`,
    );
    expect(uncommented, 'the commented external_labels').to.include('    runbook_base: ');
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'prometheus.yml'), uncommented.replaceAll('rules/', `${REPO_ROOT}/prometheus/rules/`));
    const labelled = promtool('check', 'config', path.join(dir, 'prometheus.yml'));
    expect(labelled.code, labelled.output).to.equal(0);
  });

  it('promtool check rules accepts the rules', () => {
    const { code, output } = promtool('check', 'rules', 'rules/petsage-smoke.rules.yml');
    expect(code, output).to.equal(0);
  });

  it('promtool test rules: each alert fires when it should and stays quiet when it should not', () => {
    const { code, output } = promtool('test', 'rules', 'tests/petsage-smoke.rules.test.yml');
    expect(code, output).to.equal(0);
    expect(output).to.include('SUCCESS');
  });

  it('every alert has a summary, a description and a runbook in docs/runbooks.md its runbook_url resolves to', () => {
    const runbooks = readFileSync(path.join(REPO_ROOT, 'docs', 'runbooks.md'), 'utf8');
    const rules = readAlertRules();
    expect(rules.map((r) => r.alert)).to.deep.equal([
      'PetsageSmokeDown',
      'PetsageSmokeAbsent',
      'PetsageSmokeSignalFailing',
      'PetsageSmokeSignalNotVerified',
      'PetsageSmokeSignalFailureRatioHigh',
      'PetsageSmokeSignalLagHigh',
      'PetsageSmokeSignalLostAfterIngest',
      'PetsageSmokeSignalThrottled',
      'PetsageSmokeWatchdog',
    ]);
    // One runbook per alert, no more (a runbook left behind by a removed alert fails too).
    const headings = [...runbooks.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    expect(headings).to.deep.equal(rules.map((r) => r.alert));
    const base = '{{ with $externalLabels.runbook_base }}{{ . }}{{ else }}';
    for (const rule of rules) {
      expect(rule.annotations.summary, rule.alert).to.be.a('string');
      expect(rule.annotations.description, rule.alert).to.be.a('string');
      // GitHub's anchor for a heading: lower case, spaces to dashes, other punctuation dropped.
      const anchor = rule.alert
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replaceAll(' ', '-');
      // The alerts with no instance label link to the file in the repository, the others to their daemon.
      const fallback = ['PetsageSmokeAbsent', 'PetsageSmokeWatchdog'].includes(rule.alert)
        ? 'docs/runbooks.md'
        : 'http://{{ $labels.instance }}/runbooks';
      expect(rule.annotations.runbook_url, rule.alert).to.equal(`${base}${fallback}{{ end }}#${anchor}`);
    }
  });

  it('the README links to the runbooks, which say why runbook_base matters for PetsageSmokeDown', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'prometheus', 'README.md'), 'utf8');
    expect(readme).to.include('](../docs/runbooks.md)').and.not.include('### Petsage');
    const runbooks = readFileSync(path.join(REPO_ROOT, 'docs', 'runbooks.md'), 'utf8');
    const why = runbooks.slice(runbooks.indexOf('## Where the links point'), runbooks.indexOf('### PetsageSmokeDown'));
    expect(why).to.include('runbook_base').and.include('PetsageSmokeDown').and.include('cannot');
  });
});
