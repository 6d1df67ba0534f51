/**
 * The PrometheusRule in base/ is generated from prometheus/rules/petsage-smoke.rules.yml: one source
 * for the rules. After changing the rules file: npm run k8s:rule (a test fails while they differ).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';

const ROOT = path.join(__dirname, '..', '..', '..');
export const RULES_FILE = path.join(ROOT, 'prometheus', 'rules', 'petsage-smoke.rules.yml');
export const RULE_CRD_FILE = path.join(ROOT, 'deploy', 'kubernetes', 'base', 'prometheusrule.yaml');

export function prometheusRule(rulesYaml: string): string {
  const { groups } = parse(rulesYaml) as { groups: unknown[] };
  const crd = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'petsage-smoke' },
    spec: { groups },
  };
  return `# Generated from prometheus/rules/petsage-smoke.rules.yml by npm run k8s:rule: edit that file, not this one.\n${stringify(crd, { lineWidth: 0 })}`;
}

if (require.main === module) writeFileSync(RULE_CRD_FILE, prometheusRule(readFileSync(RULES_FILE, 'utf8')));
