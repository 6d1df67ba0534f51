/**
 * Time to page: for each fault, seconds from injection to the first notification at the receiver,
 * and from repair to its `resolved`, through a real Prometheus and Alertmanager running the shipped
 * rules and config with every timing divided by 15 (test/support/alertStack.ts). Each figure is
 * also given times 15, as it would be with the shipped timings, next to the bound it should meet.
 *
 *   npm run bench:alerts              (ROUNDS=1 by default: each fault once)
 */
import { FAULTS, SCALE, runFault, startAlertStack, type FaultResult } from '../test/support/alertStack';
import { SHIPPED, durationMs } from '../test/support/alerting';

const ROUNDS = Number(process.env.ROUNDS ?? 1);

/** The shipped timings (seconds) the bounds are made of: prometheus/rules and prometheus/alertmanager. */
const T = { interval: SHIPPED.intervalSeconds, timeout: SHIPPED.verifyTimeoutSeconds, scrape: SHIPPED.scrapeSeconds, evaluation: 15, groupWait: 30, groupInterval: 300 };
const forOf = (d: string) => durationMs(d) / 1000;

/**
 * What each page should take with the shipped timings: detection (two failed runs, the second at most
 * a read-back window late; or the rule's own condition), then a scrape, an evaluation, the rule's
 * `for:` and Alertmanager's group_wait. A resolution: the next run read back, a scrape, an evaluation
 * and group_interval (Alertmanager sends resolutions with the group's next flush).
 */
function bounds(alertname: string): { page: number; resolved: number } {
  const tail = T.scrape + T.evaluation + T.groupWait;
  const seen = T.scrape + T.evaluation + T.groupInterval;
  if (alertname === 'PetsageSmokeSignalFailing') return { page: 2 * T.interval + T.timeout + forOf('1m') + tail, resolved: T.interval + T.timeout + seen };
  if (alertname === 'PetsageSmokeDown') return { page: forOf('2m') + tail, resolved: seen };
  return { page: forOf('5m') + tail, resolved: seen }; // PetsageSmokeAbsent
}

async function main(): Promise<void> {
  const stack = await startAlertStack();
  const results: FaultResult[] = [];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const fault of FAULTS) {
        const r = await runFault(stack, fault);
        results.push(r);
        process.stderr.write(`${r.fault}: page ${r.secondsToPage.toFixed(1)} s, resolved ${r.secondsToResolved.toFixed(1)} s, others ${r.others.length}\n`);
      }
    }
  } finally {
    await stack.close();
  }
  const rows = results.map((r) => {
    const b = bounds(r.expected.alertname!);
    const page = r.secondsToPage / SCALE;
    const resolved = r.secondsToResolved / SCALE;
    return { fault: r.fault, alert: r.expected.alertname, page_s: r.secondsToPage, resolved_s: r.secondsToResolved, shipped_page_s: page, page_bound_s: b.page, shipped_resolved_s: resolved, resolved_bound_s: b.resolved, met: page <= b.page && resolved <= b.resolved, other_notifications: r.others.length };
  });
  process.stdout.write(`${JSON.stringify({ scale: SCALE, rounds: ROUNDS, rows }, null, 2)}\n`);
  process.stdout.write('\n| fault | alert | to page (measured, s) | x15: shipped timings | bound | to resolved (measured, s) | x15 | bound | met | other notifications |\n|---|---|---|---|---|---|---|---|---|---|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.fault} | ${r.alert} | ${r.page_s.toFixed(1)} | ${r.shipped_page_s.toFixed(0)} | ${r.page_bound_s} | ${r.resolved_s.toFixed(1)} | ${r.shipped_resolved_s.toFixed(0)} | ${r.resolved_bound_s} | ${r.met ? 'met' : 'not met'} | ${r.other_notifications} |\n`);
  }
  if (rows.some((r) => r.other_notifications > 0)) process.exitCode = 1;
}

void main();
