import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, readAlertRules } from '../support/repo';

function promtool(...args: string[]) {
  const res = spawnSync('promtool', args, { cwd: path.join(REPO_ROOT, 'prometheus'), encoding: 'utf8' });
  expect(res.error, 'promtool must be installed (Debian package prometheus)').to.equal(undefined);
  return { code: res.status, output: `${res.stdout}${res.stderr}` };
}

describe('prometheus config and alert rules', () => {
  it('promtool check config accepts the example prometheus.yml (and its rule file)', () => {
    const { code, output } = promtool('check', 'config', 'prometheus.yml');
    expect(code, output).to.equal(0);
    expect(output).to.include('SUCCESS: 1 rule files found');
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

  it('every alert has a summary, a description and a runbook entry in prometheus/README.md', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'prometheus', 'README.md'), 'utf8');
    const rules = readAlertRules();
    expect(rules.map((r) => r.alert)).to.deep.equal([
      'PetsageSmokeDown',
      'PetsageSmokeAbsent',
      'PetsageSmokeSignalNotVerified',
      'PetsageSmokeSignalFailureRatioHigh',
      'PetsageSmokeSignalLagHigh',
      'PetsageSmokeSignalLostAfterIngest',
      'PetsageSmokeWatchdog',
    ]);
    for (const rule of rules) {
      expect(rule.annotations.summary, rule.alert).to.be.a('string');
      expect(rule.annotations.description, rule.alert).to.be.a('string');
      const anchor = rule.alert.toLowerCase();
      expect(rule.annotations.runbook_url).to.equal(`prometheus/README.md#${anchor}`);
      expect(readme, `runbook heading for ${rule.alert}`).to.include(`### ${rule.alert}`);
    }
  });
});
