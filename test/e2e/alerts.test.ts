import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Notified } from '../support/alerting';
import { SHIPPED } from '../support/alerting';
import {
  FAULTS,
  READ_BACK_SECONDS,
  SCALE,
  runFault,
  startAlertStack,
  type AlertStack,
  type Fault,
  type FaultResult,
} from '../support/alertStack';
import { REPO_ROOT } from '../support/repo';

/**
 * The faults by stack: three independent stacks at once (they wait on timers, not the CPU). No two
 * faults of one Alertmanager group (alert, instance, signal) share a stack, so each pages after
 * group_wait, as the table in docs/operations.md assumes, and never at an existing group's next flush.
 */
const LANES: readonly (readonly string[])[] = [
  ['log file on a full disk', 'OTLP collector refuses connections'],
  ['OTLP collector hangs', 'daemon removed from the scrape configuration'],
  ['trace query backend down (Tempo answers 503)', 'daemon killed'],
];

interface Bound {
  /** The table's words for the bound, and its total at the shipped timings, in seconds. */
  readonly text: string;
  readonly shippedSeconds: number;
  /** The same bound in the test's stack: every timing divided by 15, except the read-back window. */
  readonly stackSeconds: number;
}

/** "3 min", "6 min 32 s", "45 s" in seconds. */
function seconds(text: string): number {
  const m = /^(?:(\d+) min)?\s*(?:(\d+) s)?$/.exec(text.trim());
  if (!m || (!m[1] && !m[2])) throw new Error(`not a duration: "${text}"`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

/**
 * The "From a broken pipeline to a page" table of docs/operations.md (the README points there): for
 * each alert and its labels, the time to page and to `resolved`, at most. A row that gives only a
 * total has the terms of the row above for the same alert. In the test's stack everything is divided by 15 but the read-back window
 * (verify.timeout: READ_BACK_SECONDS instead of 30 s / 15), so a bound with a timeout term grows by
 * the difference.
 */
function readmeBounds(): { alert: Record<string, string>; page: Bound; resolved: Bound }[] {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### From a broken pipeline to a page'));
  const rows = section
    .split('\n')
    .filter((l) => l.startsWith('| ') && l.includes('`PetsageSmoke'))
    .map((l) => l.split('|').map((c) => c.trim()));
  const termsOf = new Map<string, { page: string; resolved: string }>();
  return rows.map(([, , alertCell = '', pageCell = '', resolvedCell = '']) => {
    const alertname = /`(PetsageSmoke\w+)`/.exec(alertCell)![1]!;
    const labels = /\(signal (\w+), reason (\w+)/.exec(alertCell);
    const formula = (cell: string) => (cell.includes('=') ? cell.slice(0, cell.lastIndexOf('=')) : undefined);
    const terms = { page: formula(pageCell), resolved: formula(resolvedCell) };
    if (terms.page && terms.resolved) termsOf.set(alertname, { page: terms.page, resolved: terms.resolved });
    const bound = (cell: string, written: string | undefined): Bound => {
      const shippedSeconds = seconds(cell.slice(cell.lastIndexOf('=') + 1));
      const withTimeout = /\btimeout\b/.test(written ?? '');
      const stackSeconds =
        shippedSeconds * SCALE + (withTimeout ? READ_BACK_SECONDS - SHIPPED.verifyTimeoutSeconds * SCALE : 0);
      return { text: cell, shippedSeconds, stackSeconds };
    };
    return {
      alert: { alertname, ...(labels ? { signal: labels[1]!, reason: labels[2]! } : {}) },
      page: bound(pageCell, terms.page ?? termsOf.get(alertname)?.page),
      resolved: bound(resolvedCell, terms.resolved ?? termsOf.get(alertname)?.resolved),
    };
  });
}

/** The table's row for the alert a fault raises. */
function boundsFor(expected: Record<string, string>) {
  const row = readmeBounds().find((r) => Object.entries(r.alert).every(([k, v]) => expected[k] === v));
  expect(row, `a row of the alert table (docs/operations.md) for ${JSON.stringify(expected)}`).to.not.equal(undefined);
  return row!;
}

interface Lane {
  readonly stack: AlertStack;
  /** What reached the receiver from a healthy pipeline, before the first fault: heartbeats only. */
  readonly healthy: Promise<Notified[]>;
}

/**
 * From a broken pipeline to a notification: a real daemon, a real Prometheus evaluating the shipped
 * rules and a real Alertmanager with the shipped config (both with their timings divided by 15),
 * and a webhook receiver, three times over. Each fault raises its alert with its labels and
 * annotations within the documented bound, nothing else arrives, and the repair sends the resolution.
 */
describe('end to end: alerts through a real Prometheus and Alertmanager', function () {
  this.timeout(240_000);
  const lanes: Lane[] = [];
  const results = new Map<string, Promise<FaultResult>>();

  before(async () => {
    expect(LANES.flat().sort(), 'every fault on exactly one stack').to.deep.equal(FAULTS.map((f) => f.name).sort());
    const stacks = await Promise.all(LANES.map(() => startAlertStack()));
    LANES.forEach((names, i) => {
      const stack = stacks[i]!;
      const healthy = (async () => {
        await stack.receiver.waitFor((n) => n.path === '/heartbeat', 0);
        await stack.quiet();
        return stack.receiver.received.filter((n) => n.path !== '/heartbeat');
      })();
      lanes.push({ stack, healthy });
      // Each stack's faults one after the other, all stacks at once; each test awaits its own.
      let previous: Promise<unknown> = healthy;
      for (const name of names) {
        const fault = FAULTS.find((f) => f.name === name) as Fault;
        const result = previous.then(() => runFault(stack, fault));
        result.catch(() => undefined); // reported by the fault's own test
        results.set(name, result);
        previous = result.catch(() => undefined);
      }
    });
  });
  after(async () => {
    await Promise.all(lanes.map((l) => l.stack.close()));
  });

  it("the watchdog reaches the dead man's switch receiver, and a healthy pipeline pages nobody", async () => {
    for (const [i, lane] of lanes.entries()) {
      const heartbeat = await lane.stack.receiver.waitFor((n) => n.path === '/heartbeat', 0);
      expect(heartbeat.labels, `stack ${i + 1}`).to.include({ alertname: 'PetsageSmokeWatchdog', severity: 'none' });
      expect(await lane.healthy, `stack ${i + 1}`).to.deep.equal([]);
    }
  });

  for (const fault of FAULTS) {
    it(`${fault.name}: its alert, with labels and annotations, within the documented time to page, then resolved within its bound; nothing else`, async () => {
      const result = await results.get(fault.name)!;
      const { alertname } = result.expected;
      expect(result.page.labels).to.include(result.expected);
      expect(result.page.labels.severity).to.equal('critical');
      expect(result.page.path).to.equal('/page');
      expect(result.page.annotations.summary).to.be.a('string').and.not.equal('');
      // The rules link to the daemon's own GET /runbooks when the alert names it, else to docs/runbooks.md.
      const runbooks = result.expected.instance ? `http://${result.expected.instance}/runbooks` : 'docs/runbooks.md';
      expect(result.page.annotations.runbook_url).to.equal(`${runbooks}#${alertname!.toLowerCase()}`);
      if (result.expected.signal)
        expect(result.page.annotations.summary).to.include(result.expected.signal).and.include(result.expected.reason);
      expect(result.resolved.labels).to.deep.equal(result.page.labels);
      expect(result.others.map((n) => `${n.status} ${n.labels.alertname} ${JSON.stringify(n.labels)}`)).to.deep.equal(
        [],
      );
      const bounds = boundsFor(result.expected);
      process.stdout.write(
        `      ${fault.name}: paged after ${result.secondsToPage.toFixed(1)} s (docs: ${bounds.page.text}, here ${bounds.page.stackSeconds.toFixed(1)} s); ` +
          `resolved after ${result.secondsToResolved.toFixed(1)} s (docs: ${bounds.resolved.text}, here ${bounds.resolved.stackSeconds.toFixed(1)} s)\n`,
      );
      expect(result.secondsToPage, `time to page; docs/operations.md: ${bounds.page.text}`).to.be.at.most(
        bounds.page.stackSeconds,
      );
      expect(result.secondsToResolved, `time to resolved; docs/operations.md: ${bounds.resolved.text}`).to.be.at.most(
        bounds.resolved.stackSeconds,
      );
    });
  }
});
