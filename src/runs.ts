import type { Trigger } from './smoke/constants';
import { createLedger } from './smoke/ledger';
import type { SmokeRunner } from './smoke/runSmokeTest';
import { notVerified, type Judge, type RunReport } from './verify/judge';

export interface Runs {
  /** Runs once and starts reading its signals back; the report fills in as verdicts land. */
  start(trigger: Trigger, id?: string): RunReport;
  get(id: string): RunReport | undefined;
  has(id: string): boolean;
  latest(): RunReport | undefined;
}

/**
 * Run, record, verify. At most `capacity` runs await verification at once (and as many are kept
 * for receipts), so a flood of requests cannot grow memory: runs beyond it are left unverified.
 */
export function createRuns(o: { run: SmokeRunner; judge: Judge; capacity: number; now: () => number }): Runs {
  const ledger = createLedger<RunReport>(o.capacity);

  return {
    start(trigger, id) {
      const run = o.run(trigger, id === undefined ? {} : { id });
      const report = o.judge.pending >= o.capacity ? notVerified(run, new Date(o.now()), 'too many runs awaiting verification') : o.judge.judge(run);
      ledger.add(run.id, report);
      return report;
    },
    get: (id) => ledger.get(id),
    has: (id) => ledger.has(id),
    latest: () => ledger.latest(),
  };
}

