/**
 * Time to page: for each fault, seconds from injection to the first notification at the receiver,
 * and from repair to its `resolved`, through a real Prometheus and Alertmanager running the shipped
 * rules and config with their timings divided by 15 (test/support/alertStack.ts).
 *
 * Each time is judged against the bound of the stack it ran in, made of that stack's own timings:
 * the schedule (1 s), the read-back window (6 s: not divided, the exporter's retries are real
 * time), scrape and evaluation (1 s), the rule's `for:`, and Alertmanager's group_wait (2 s) for a
 * new group or group_interval (20 s) when the alert joins a group that already exists (the same
 * signal paged earlier): Alertmanager sends a new alert of an existing group at its next flush.
 * README.md gives the same bounds for the shipped timings.
 *
 *   npm run bench:alerts              (ROUNDS=1 by default: each fault once)
 */
import {
  FAULTS,
  READ_BACK_SECONDS,
  SCALE,
  runFault,
  startAlertStack,
  type FaultResult,
} from '../test/support/alertStack';
import { durationMs, scaleDuration } from '../test/support/alerting';

const ROUNDS = Number(process.env.ROUNDS ?? 1);
const s = (d: string) => durationMs(scaleDuration(d, SCALE)) / 1000;
const STACK = {
  interval: 1,
  readBack: READ_BACK_SECONDS,
  scrape: 1,
  evaluation: 1,
  groupWait: s('30s'),
  groupInterval: s('5m'),
};
const FOR: Record<string, number> = {
  PetsageSmokeSignalFailing: s('1m'),
  PetsageSmokeDown: s('2m'),
  PetsageSmokeAbsent: s('5m'),
};

function bounds(alertname: string, existingGroup: boolean): { page: number; resolved: number } {
  const flush = existingGroup ? STACK.groupInterval : STACK.groupWait;
  const seen = STACK.scrape + STACK.evaluation;
  if (alertname === 'PetsageSmokeSignalFailing') {
    return {
      page: 2 * STACK.interval + STACK.readBack + FOR[alertname]! + seen + flush,
      resolved: STACK.interval + STACK.readBack + seen + STACK.groupInterval,
    };
  }
  // A target removed from the configuration: Prometheus writes its series' stale markers only when
  // its next scrape would have been, plus an interval and 10 % (endOfRunStaleness): up to 2.1 scrapes.
  const stale = alertname === 'PetsageSmokeAbsent' ? 2.1 * STACK.scrape : 0;
  return { page: stale + FOR[alertname]! + seen + flush, resolved: seen + STACK.groupInterval };
}

async function main(): Promise<void> {
  const stack = await startAlertStack();
  const results: (FaultResult & { existingGroup: boolean })[] = [];
  const paged = new Set<string>();
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const fault of FAULTS) {
        const expected = fault.alert(stack);
        // As Alertmanager groups them (prometheus/alertmanager/alertmanager.yml group_by).
        const group = [expected.alertname, expected.instance, expected.pipeline ?? 'default', expected.signal].join(
          '/',
        );
        const r = await runFault(stack, fault);
        results.push({ ...r, existingGroup: paged.has(group) });
        paged.add(group);
        process.stderr.write(
          `${r.fault}: page ${r.secondsToPage.toFixed(1)} s, resolved ${r.secondsToResolved.toFixed(1)} s, others ${r.others.length}\n`,
        );
      }
    }
  } finally {
    await stack.close();
  }
  const rows = results.map((r) => {
    const b = bounds(r.expected.alertname!, r.existingGroup);
    return {
      fault: r.fault,
      alert: r.expected.alertname,
      group: r.existingGroup ? 'existing' : 'new',
      page_s: r.secondsToPage,
      page_bound_s: b.page,
      resolved_s: r.secondsToResolved,
      resolved_bound_s: b.resolved,
      met: r.secondsToPage <= b.page && r.secondsToResolved <= b.resolved,
      other_notifications: r.others.length,
    };
  });
  process.stdout.write(`${JSON.stringify({ scale: SCALE, stack: STACK, rounds: ROUNDS, rows }, null, 2)}\n`);
  process.stdout.write(
    '\n| fault | alert | group | to page (s) | bound | to resolved (s) | bound | met | other notifications |\n|---|---|---|---|---|---|---|---|---|\n',
  );
  for (const r of rows) {
    process.stdout.write(
      `| ${r.fault} | ${r.alert} | ${r.group} | ${r.page_s.toFixed(1)} | ${r.page_bound_s} | ${r.resolved_s.toFixed(1)} | ${r.resolved_bound_s} | ${r.met ? 'met' : 'not met'} | ${r.other_notifications} |\n`,
    );
  }
  if (rows.some((r) => r.other_notifications > 0)) process.exitCode = 1;
}

void main();
