import { createLedger } from './smoke/ledger';
import type { SmokeRunner } from './smoke/runSmokeTest';
import { roomOf, type Judge, type RunReport } from './verify/judge';
import type { Trigger } from './vocabulary';

/** One pipeline as the runs see it: what makes its runs, and what judges them. */
export interface RunPipeline {
  readonly run: SmokeRunner;
  readonly judge: Judge;
}

export interface Runs {
  /** The pipelines runs can be made on, the first ("default") first. */
  readonly pipelines: readonly string[];
  /** Runs once on a pipeline (the first one by default) and starts reading its signals back; the
   * report fills in as verdicts land. */
  start(trigger: Trigger, options?: { id?: string; pipeline?: string }): RunReport;
  get(id: string): RunReport | undefined;
  /** Whether a run of this id was made by this process: an id is never handed out twice. */
  used(id: string): boolean;
  /** The newest run, of one pipeline or of any. */
  latest(pipeline?: string): RunReport | undefined;
  /** Every receipt kept, both ledgers, oldest run first. */
  reports(): RunReport[];
  /** Keeps the receipt of a run restored from the state file. */
  restore(report: RunReport): void;
}

/** Caller-named ids remembered at most: a deploy gate every five minutes for a year; about 16 MiB
 * of the longest ids (deploy/kubernetes/bounds.ts counts them). */
export const MAX_NAMED_IDS = 100_000;

export interface RunsOptions {
  pipelines: ReadonlyMap<string, RunPipeline>;
  capacity: Readonly<Record<'api' | 'other', number>>;
}

/**
 * Run, record, verify. Receipts are kept in two bounded ledgers shared by every pipeline: POST runs
 * (deploy gates) in one, GET and scheduled runs in the other, so a flood of anonymous runs never
 * evicts a gate's receipt. Caller-named ids are remembered past their receipts.
 */
export function createRuns(parts: RunsOptions): Runs {
  const ledgers = {
    api: createLedger<RunReport>(parts.capacity.api),
    other: createLedger<RunReport>(parts.capacity.other),
  };
  const named = new Set<string>();
  const last = new Map<string, RunReport>();
  let newest: RunReport | undefined;
  const first = parts.pipelines.keys().next().value as string;
  const keep = (report: RunReport) => ledgers[roomOf(report.run)].add(report.run.id, report);

  return {
    pipelines: [...parts.pipelines.keys()],
    start(trigger, options = {}) {
      const pipeline = parts.pipelines.get(options.pipeline ?? first);
      if (!pipeline) throw new RangeError(`no pipeline ${options.pipeline}`);
      const run = pipeline.run(trigger, options.id === undefined ? {} : { id: options.id });
      if (options.id !== undefined) {
        named.add(options.id);
        if (named.size > MAX_NAMED_IDS) named.delete(named.values().next().value as string);
      }
      const report = pipeline.judge.judge(run);
      keep(report);
      last.set(run.pipeline, report);
      newest = report;
      return report;
    },
    get: (id) => ledgers.api.get(id) ?? ledgers.other.get(id),
    used: (id) => named.has(id) || ledgers.api.has(id) || ledgers.other.has(id),
    latest: (pipeline) => (pipeline === undefined ? newest : last.get(pipeline)),
    reports: () =>
      [...ledgers.api.values(), ...ledgers.other.values()].sort(
        (a, b) => a.run.startedAt.getTime() - b.run.startedAt.getTime() || a.run.seq - b.run.seq,
      ),
    restore(report) {
      keep(report);
      named.add(report.run.id);
    },
  };
}
