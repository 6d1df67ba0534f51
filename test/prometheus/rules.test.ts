import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, readAlertRules } from '../support/repo';
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
