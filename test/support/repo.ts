import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The repository root, from dist/test/support. */
export const REPO_ROOT = path.join(__dirname, '..', '..', '..');
export const DASHBOARD_FILE = path.join(REPO_ROOT, 'grafana', 'dashboards', 'petsage-smoke.json');
export const RULES_FILE = path.join(REPO_ROOT, 'prometheus', 'rules', 'petsage-smoke.rules.yml');

export interface DashboardTarget {
  expr: string;
  refId: string;
  exemplar?: boolean;
}
export interface DashboardPanel {
  id: number;
  title: string;
  type: string;
  targets: DashboardTarget[];
}

export const readDashboard = () =>
  JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: DashboardPanel[] } & Record<string, unknown>;

/** A panel's query as a Grafana with this Prometheus sends it: one daemon, every pipeline, 10 s rates. */
export function grafanaQuery(expr: string, instance: string): string {
  return expr
    .replaceAll('$job', 'petsage-smoke')
    .replaceAll('$instance', instance.replaceAll('.', '\\\\.'))
    .replaceAll('$pipeline', '.*')
    .replaceAll('$__rate_interval', '10s');
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  annotations: Record<string, string>;
}
export const readAlertRules = () =>
  (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((g) => g.rules);

/** Metric names in a PromQL expression (ours and the process metrics). */
export function metricNames(expr: string): string[] {
  return [...new Set(expr.match(/\b(?:petsage_smoke|process|nodejs)_[a-z_]+\b/g) ?? [])];
}
