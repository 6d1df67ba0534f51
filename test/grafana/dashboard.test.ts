import { expect } from 'chai';
import { z } from 'zod';
import { METRIC } from '../../src/vocabulary';
import { metricNames, readAlertRules, readDashboard } from '../support/repo';

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

describe('grafana dashboard', () => {
  const json = readDashboard();

  it('matches the dashboard schema: fixed uid, current schemaVersion, typed panels and targets', () => {
    const result = dashboard.safeParse(json);
    expect(result.success, result.success ? '' : JSON.stringify(result.error.issues.slice(0, 3))).to.equal(true);
  });

  it('has a datasource variable and job/instance variables every panel filters on', () => {
    const vars = (json as unknown as { templating: { list: { name: string; type: string; query?: unknown }[] } })
      .templating.list;
    expect(vars.map((v) => [v.name, v.type])).to.deep.equal([
      ['datasource', 'datasource'],
      ['job', 'query'],
      ['instance', 'query'],
    ]);
    for (const p of json.panels)
      for (const t of p.targets) expect(t.expr, p.title).to.include('job=~"$job",instance=~"$instance"');
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
