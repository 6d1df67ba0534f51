import { readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type winston from 'winston';
import type { Clock } from './smoke/types';
import { readState, StateFileError, writeState, type PipelineState, type RestoredPipeline } from './stateFile';
import { EVENT, type Signal } from './vocabulary';

export interface StateKeeper {
  /** Writes the state every interval from now: only once what an earlier process left is restored, or
   * the first write would replace it with the nothing this one holds yet. */
  start(): void;
  /** What the interval calls: a write, unless one is still under way (a slow disk never queues them up). */
  due(): void;
  /** Writes the state now, after any write under way (the drain calls this last, after the final read-back). */
  write(): Promise<void>;
  stop(): void;
}

export interface StateOptions {
  path: string;
  writeIntervalMs: number;
  service: string;
  processId: string;
  pipelines: () => readonly PipelineState[];
  logger: winston.Logger;
  now: Clock;
  /** How a state is written: writeState, but for tests. */
  writeFile?: typeof writeState;
}

/**
 * Keeps the state file: what was pending and kept for spot checks, written every `writeIntervalMs`
 * and once more at shutdown, so a kill -9 loses at most what came after the last write. Writes never
 * overlap, and each yields to the event loop between slices.
 */
export function keepState(options: StateOptions): StateKeeper {
  const writeFile = options.writeFile ?? writeState;
  let writing: Promise<void> = Promise.resolve();
  let underWay = 0;
  let timer: NodeJS.Timeout | undefined;
  const write = () => {
    underWay += 1;
    writing = writing.then(async () => {
      try {
        await writeFile(
          options.path,
          { service: options.service, processId: options.processId, pipelines: options.pipelines() },
          options.now(),
        );
      } catch (err) {
        // Not fatal: the runs are still verified in this process; only a restart would forget them.
        options.logger.warn('state file not written', {
          event: EVENT.stateWritten,
          ok: false,
          error: (err as NodeJS.ErrnoException).code ?? 'Error',
        });
      } finally {
        underWay -= 1;
      }
    });
    return writing;
  };
  const due = () => void (underWay === 0 && write());
  return {
    start() {
      if (options.writeIntervalMs > 0 && !timer) timer = setInterval(due, options.writeIntervalMs).unref();
    },
    due,
    write,
    stop: () => clearInterval(timer),
  };
}

/** What each pipeline of this daemon reads back, and how many runs it may hold: what a restore is checked against. */
export interface Expected {
  readonly service: string;
  readonly pipelines: ReadonlyMap<
    string,
    {
      readonly asked: Readonly<Record<Signal, readonly string[]>>;
      readonly rooms: Readonly<Record<'api' | 'other', number>>;
    }
  >;
}

/** A restored run may start at most this far in the future (clocks of two processes on one host agree to far less). */
const SKEW_MS = 60_000;
/** Spot-check runs restored at most per pipeline: a day at one a minute. */
const MAX_SPOT_RUNS = 1440;
/** Set-aside copies kept next to the state file: a daemon whose config keeps changing must not fill its disk. */
export const KEEP_SET_ASIDE = 3;

/**
 * The state an earlier process left, for the pipelines that read back exactly as this daemon does.
 * A file that cannot be read back, or one written under another service or configuration, is set aside
 * (`<file>.unreadable-<time>` / `<file>.set-aside-<time>`, the newest KEEP_SET_ASIDE kept) with a warning;
 * its runs are never judged.
 */
export async function restoreState(
  path: string,
  expected: Expected,
  effects: { now: Clock; logger: winston.Logger; warn: (line: string) => void },
): Promise<Map<string, RestoredPipeline> | undefined> {
  const setAside = (as: 'unreadable' | 'set-aside', why: string, line = why) => {
    const to = `${path}.${as}-${new Date(effects.now()).toISOString().replace(/[:.]/g, '-')}`;
    let moved = to;
    try {
      renameSync(path, to);
      pruneSetAside(path);
    } catch {
      moved = '(left in place)';
    }
    effects.warn(`petsage-smoke: warning: state file ${path} ${line}; set aside as ${moved}`);
    effects.logger.warn(as === 'unreadable' ? 'state file unreadable; starting clean' : 'state file set aside', {
      event: as === 'unreadable' ? EVENT.stateUnreadable : EVENT.stateSetAside,
      why,
      set_aside_as: moved,
    });
  };
  let read;
  try {
    read = await readState(path, {
      now: effects.now(),
      skewMs: SKEW_MS,
      maxSpotRuns: MAX_SPOT_RUNS,
      room: (pipeline, room) => expected.pipelines.get(pipeline)?.rooms[room] ?? 0,
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT' || (err as Error).message === 'ENOENT') return undefined;
    const why = err instanceof StateFileError ? err.message : 'unreadable';
    setAside('unreadable', why, `could not be read back (${why})`);
    return undefined;
  }
  if (read.service !== expected.service) {
    setAside('set-aside', `was written by another service (${read.service})`);
    return undefined;
  }
  const restored = new Map<string, RestoredPipeline>();
  const foreign: string[] = [];
  for (const [name, p] of read.pipelines) {
    const ours = expected.pipelines.get(name);
    if (ours && isDeepStrictEqual(ours.asked, p.asked)) restored.set(name, p);
    else foreign.push(name);
  }
  if (foreign.length > 0)
    setAside(
      'set-aside',
      `holds pipelines read back otherwise than now (${foreign.join(', ')}): their runs are not judged`,
    );
  for (const p of restored.values()) {
    if (p.dropped > 0)
      effects.logger.warn('restored runs dropped', {
        event: EVENT.stateRestored,
        pipeline: p.pipeline,
        dropped: p.dropped,
      });
  }
  return restored;
}

/** Removes all but the newest KEEP_SET_ASIDE copies of `path` set aside, by the time in their names. */
function pruneSetAside(path: string): void {
  const prefix = `${basename(path)}.`;
  const timeOf = (f: string) => /^(?:unreadable|set-aside)-(.+)$/.exec(f.slice(prefix.length))?.[1];
  const copies = readdirSync(dirname(path))
    .filter((f) => f.startsWith(prefix) && timeOf(f))
    .sort((a, b) => timeOf(a)!.localeCompare(timeOf(b)!));
  for (const old of copies.slice(0, -KEEP_SET_ASIDE)) rmSync(join(dirname(path), old), { force: true });
}
