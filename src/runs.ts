import { createLedger } from './smoke/ledger';
import type { SmokeRunner } from './smoke/runSmokeTest';
import type { Judge, RunReport } from './verify/judge';
import type { Trigger } from './vocabulary';

export interface Runs {
  /** Runs once and starts reading its signals back; the report fills in as verdicts land. */
  start(trigger: Trigger, id?: string): RunReport;
  get(id: string): RunReport | undefined;
  has(id: string): boolean;
  latest(): RunReport | undefined;
}

/** Run, record, verify: the last `capacity` reports are kept for receipts. */
export function createRuns(o: { run: SmokeRunner; judge: Judge; capacity: number }): Runs {
  const ledger = createLedger<RunReport>(o.capacity);

  return {
    start(trigger, id) {
      const run = o.run(trigger, id === undefined ? {} : { id });
      const report = o.judge.judge(run);
      ledger.add(run.id, report);
      return report;
    },
    get: (id) => ledger.get(id),
    has: (id) => ledger.has(id),
    latest: () => ledger.latest(),
  };
}

