import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { z } from 'zod';
import { METRIC, SIGNALS } from '../../src/vocabulary';
import { testService } from '../support/app';
import { metricNames, readAlertRules, readDashboard } from '../support/repo';
import { tmpDir } from '../support/tmp';

/**
 * A structural check of the dashboard against the parts of Grafana's dashboard schema
 * (schemaVersion 41) that provisioning and the panels rely on.
 */
const datasourceRef = z.strictObject({ type: z.literal('prometheus'), uid: z.literal('${datasource}') });
const target = z.object({
  datasource: datasourceRef,
  refId: z.string().regex(/^[A-Z]$/),
  expr: z.string().min(1),
  legendFormat: z.string(),
  exemplar: z.boolean().optional(),
  format: z.enum(['time_series', 'table']).optional(),
  instant: z.boolean().optional(),
  range: z.boolean().optional(),
});
const panel = z.object({
  id: z.number().int().positive(),
  type: z.enum(['timeseries', 'stat', 'gauge', 'table', 'bargauge', 'state-timeline']),
  title: z.string().min(1),
  description: z.string().min(1),
  datasource: datasourceRef,
  gridPos: z.strictObject({
    h: z.number().int().positive(),
    w: z.number().int().min(1).max(24),
    x: z.number().int().min(0).max(23),
    y: z.number().int().min(0),
  }),
  fieldConfig: z.object({ defaults: z.object({ unit: z.string() }), overrides: z.array(z.unknown()) }),
  targets: z.array(target).min(1),
});
const variable = z.object({
  name: z.string(),
  type: z.enum(['datasource', 'query', 'custom', 'constant', 'interval', 'textbox']),
});
const dashboard = z.object({
  uid: z.literal('petsage-smoke'),
  title: z.string().min(1),
  schemaVersion: z.number().int().min(39),
  version: z.number().int(),
  editable: z.boolean(),
  time: z.object({ from: z.string(), to: z.string() }),
  annotations: z.object({ list: z.array(z.unknown()) }),
  templating: z.object({ list: z.array(variable) }),
  panels: z.array(panel).min(1),
});

const PROCESS_METRICS = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_eventloop_lag_mean_seconds',
];
/** A histogram's series names come from its base name. */
const base = (name: string) => name.replace(/_(bucket|sum|count)$/, '');
const KNOWN = new Set<string>([...Object.values(METRIC), ...PROCESS_METRICS]);

/** Every series selector in a query: the metric and its matchers (label, operator, value). */
function selectors(expr: string) {
  return [...expr.matchAll(/\b((?:petsage_smoke|process|nodejs)_[a-z0-9_]+)(\{[^}]*\})?/g)].map((m) => ({
    name: m[1]!,
    matchers: [...(m[2] ?? '').matchAll(/([a-zA-Z_]+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map((x) => ({
      label: x[1]!,
      op: x[2]!,
      value: x[3]!,
    })),
  }));
}

/** The labels each metric family carries in the real exposition (the daemon composed on its defaults). */
async function exposedLabels(): Promise<Map<string, Set<string>>> {
  // With a store to re-read the log from, so that the spot checks' series are there too.
  const service = testService({ env: { PETSAGE_SMOKE_LOKI_URL: 'http://127.0.0.1:9' } });
  const text = await service.registry.metrics();
  await service.stop('labels read');
  const families = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? /.exec(line);
    if (!m) continue;
    const labels = families.get(base(m[1]!)) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]+)="/g)) if (l[1] !== 'le') labels.add(l[1]!);
    families.set(base(m[1]!), labels);
  }
  return families;
}

/** Grafana's variables as a Grafana would fill them in with "All" picked. */
const substitute = (expr: string) =>
  expr.replaceAll('$__rate_interval', '1m').replace(/\$(job|instance|pipeline)\b/g, '.*');

describe('grafana dashboard', () => {
  const json = readDashboard();

  it('matches the dashboard schema: fixed uid, current schemaVersion, typed panels and targets', () => {
    const result = dashboard.safeParse(json);
    expect(result.success, result.success ? '' : JSON.stringify(result.error.issues.slice(0, 3))).to.equal(true);
  });

  it('has a datasource variable and job, instance and pipeline variables (multi, with All)', () => {
    const vars = (
      json as unknown as {
        templating: {
          list: { name: string; type: string; multi?: boolean; includeAll?: boolean; query?: { query: string } }[];
        };
      }
    ).templating.list;
    expect(vars.map((v) => [v.name, v.type])).to.deep.equal([
      ['datasource', 'datasource'],
      ['job', 'query'],
      ['instance', 'query'],
      ['pipeline', 'query'],
    ]);
    const pipeline = vars[3]!;
    expect(pipeline).to.include({ multi: true, includeAll: true, allValue: '.*' });
    expect(pipeline.query!.query).to.equal(`label_values(${METRIC.runs}{job=~"$job",instance=~"$instance"}, pipeline)`);
  });

  it("filters every selector on job and instance, and on pipeline wherever the daemon's metric has that label", async () => {
    const families = await exposedLabels();
    const perPipeline = [...families].filter(([, labels]) => labels.has('pipeline')).map(([name]) => name);
    expect(perPipeline, 'metric families with a pipeline label').to.include.members([METRIC.runs, METRIC.lag]);
    expect(families.get(METRIC.httpDuration), 'a family without one').to.not.include('pipeline');
    for (const p of json.panels) {
      for (const t of p.targets) {
        const found = selectors(t.expr);
        expect(found.length, `${p.title}: ${t.expr}`).to.be.greaterThan(0);
        for (const { name, matchers } of found) {
          const where = `${p.title} (${t.refId}): ${name}`;
          const labels = families.get(base(name));
          expect(labels, `${where} is in the exposition`).to.not.equal(undefined);
          const filter = (label: string) => matchers.find((m) => m.label === label);
          expect(filter('job'), where).to.deep.include({ op: '=~', value: '$job' });
          expect(filter('instance'), where).to.deep.include({ op: '=~', value: '$instance' });
          // A process-wide metric (no pipeline label) would match nothing with the filter: those panels
          // show the whole daemon, and their description says the variable does not apply.
          if (labels!.has('pipeline'))
            expect(filter('pipeline'), where).to.deep.include({ op: '=~', value: '$pipeline' });
          else {
            expect(filter('pipeline'), where).to.equal(undefined);
            expect((p as unknown as { description: string }).description, where).to.include(
              'pipeline variable does not apply',
            );
          }
          // Only labels the metric has (job and instance come from the scrape).
          for (const m of matchers) expect(['job', 'instance', ...labels!], `${where}: ${m.label}`).to.include(m.label);
        }
      }
    }
  });

  it('every panel query and variable selector parses as PromQL (promtool check rules, variables filled in)', () => {
    const vars = (json as unknown as { templating: { list: { query?: { query: string } }[] } }).templating.list;
    const exprs = [
      ...json.panels.flatMap((p) => p.targets.map((t) => ({ name: `panel_${p.id}_${t.refId}`, expr: t.expr }))),
      ...vars.flatMap((v, i) => {
        const inner = /^label_values\((.+), *[a-z_]+\)$/.exec(v.query?.query ?? '');
        return inner ? [{ name: `variable_${i}`, expr: inner[1]! }] : [];
      }),
    ];
    expect(exprs.length).to.be.greaterThan(json.panels.length);
    const file = path.join(tmpDir(), 'dashboard.rules.yml');
    const rules = exprs.map((e) => ({ record: `dashboard:${e.name}`, expr: substitute(e.expr) }));
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const res = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(res.error, 'promtool must be installed (Debian package prometheus)').to.equal(undefined);
    expect(res.status, `${res.stdout}${res.stderr}`).to.equal(0);
    expect(res.stdout).to.include(`SUCCESS: ${exprs.length} rules found`);
  });

  it('has a fleet table: one row per instance and pipeline, each signal failed-in-a-row and last-verified age', () => {
    const fleet = json.panels.find((p) => p.type === 'table') as unknown as {
      title: string;
      targets: { expr: string; refId: string; format?: string; instant?: boolean }[];
      transformations: { id: string; options: { excludeByName?: Record<string, boolean> } }[];
      fieldConfig: { overrides: { matcher: { options: string }; properties: { id: string; value: unknown }[] }[] };
    };
    expect(fleet, 'a table panel').to.not.equal(undefined);
    expect(fleet.title).to.match(/^Fleet/);
    for (const t of fleet.targets) {
      expect(t, t.refId).to.include({ format: 'table', instant: true });
      expect(t.expr, t.refId).to.match(/max by \(instance, pipeline\) \(/);
    }
    const shown = (metric: string) =>
      fleet.targets.filter((t) => t.expr.includes(metric)).map((t) => /signal="([a-z]+)"/.exec(t.expr)?.[1]);
    expect(shown(METRIC.consecutiveFailures)).to.deep.equal([...SIGNALS]);
    expect(shown(METRIC.lastVerified)).to.deep.equal([...SIGNALS]);
    // One row per instance and pipeline: the per-signal queries merged on their labels.
    expect(fleet.transformations.map((x) => x.id)).to.deep.equal(['merge', 'organize']);
    const names = fleet.fieldConfig.overrides.map((o) => [
      o.matcher.options,
      String(o.properties.find((x) => x.id === 'displayName')?.value),
    ]);
    expect(names).to.have.length(fleet.targets.length);
    for (const [column, name] of names) expect(name, column).to.match(new RegExp(`^(${SIGNALS.join('|')}): `));
  });

  it('has unique panel ids, no overlapping panels, and unique refIds per panel', () => {
    const ids = json.panels.map((p) => p.id);
    expect(new Set(ids).size).to.equal(ids.length);
    const cells = new Set<string>();
    for (const p of json.panels as unknown as {
      title: string;
      gridPos: { x: number; y: number; w: number; h: number };
      targets: { refId: string }[];
    }[]) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x += 1) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y += 1) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps`).to.equal(false);
          cells.add(`${x},${y}`);
        }
      }
      expect(new Set(p.targets.map((t) => t.refId)).size).to.equal(p.targets.length);
    }
  });

  it('covers the panels operators need, with exemplars on the latency and lag panels', () => {
    const titles = json.panels.map((p) => p.title);
    for (const t of [
      'Runs per minute',
      'success ratio',
      'lag p50 / p99',
      'since the last verification',
      'Failures by',
      'endpoint latency',
      'CPU',
      'memory',
      'Event-loop lag',
      'over capacity',
      'Fleet',
    ]) {
      expect(
        titles.some((x) => x.includes(t)),
        t,
      ).to.equal(true);
    }
    for (const p of json.panels.filter((x) => /lag p50|latency/.test(x.title))) {
      expect(
        p.targets.every((t) => t.exemplar === true),
        p.title,
      ).to.equal(true);
    }
  });

  it('uses only metric names the daemon exports (its constants, or prom-client process metrics)', () => {
    const used = [
      ...json.panels.flatMap((p) => p.targets.flatMap((t) => metricNames(t.expr))),
      ...readAlertRules().flatMap((r) => metricNames(r.expr)),
    ];
    expect(used.length).to.be.greaterThan(10);
    for (const name of used) expect(KNOWN.has(base(name)), name).to.equal(true);
  });
});
