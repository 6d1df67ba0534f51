import { createLedger } from './smoke/ledger';
import type { SmokeRunner } from './smoke/runSmokeTest';
import type { Judge, RoomName, RunReport } from './verify/judge';
import type { Trigger } from './vocabulary';

export interface Runs {
  /** Runs once and starts reading its signals back; the report fills in as verdicts land. */
  start(trigger: Trigger, id?: string): RunReport;
  get(id: string): RunReport | undefined;
  has(id: string): boolean;
  latest(): RunReport | undefined;
  /** Every receipt kept, both ledgers, oldest run first. */
  reports(): RunReport[];
  /** Keeps the receipt of a run restored from the state file. */
  restore(report: RunReport): void;
}

/**
 * Run, record, verify. Receipts are kept in two bounded ledgers: POST runs (deploy gates) in one,
 * GET and scheduled runs in the other, so a flood of anonymous runs never evicts a gate's receipt.
 */
export function createRuns(o: { run: SmokeRunner; judge: Judge; capacity: Readonly<Record<RoomName, number>> }): Runs {
  const ledgers = { api: createLedger<RunReport>(o.capacity.api), other: createLedger<RunReport>(o.capacity.other) };
  let last: RunReport | undefined;

  return {
    start(trigger, id) {
      const run = o.run(trigger, id === undefined ? {} : { id });
      const report = o.judge.judge(run);
      ledgers[trigger === 'api' ? 'api' : 'other'].add(run.id, report);
      last = report;
      return report;
    },
    get: (id) => ledgers.api.get(id) ?? ledgers.other.get(id),
    has: (id) => ledgers.api.has(id) || ledgers.other.has(id),
    latest: () => last,
    reports: () =>
      [...ledgers.api.values(), ...ledgers.other.values()].sort(
        (a, b) => a.run.startedAt.getTime() - b.run.startedAt.getTime() || a.run.seq - b.run.seq,
      ),
    restore(report) {
      ledgers[report.run.trigger === 'api' ? 'api' : 'other'].add(report.run.id, report);
    },
  };
}
