import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { z } from 'zod';
import type { PendingRun } from './verify/judge';
import type { SpotRun } from './verify/spotChecks';
import type { Signal } from './vocabulary';
import {
  endLine,
  header,
  pendingLine,
  pipelineLine,
  spotLine,
  stateLines,
  toPending,
  fromSaved,
  type LogTail,
  type PipelineState,
  type SavedRun,
} from './stateFormat';

/**
 * What survives a restart, per pipeline: runs still awaiting verdicts (newest first), the runs kept
 * for spot checks, where the log tail had read to, and what each signal was read back from (a state
 * written under another configuration is never judged). One JSON object per line, so a restore reads
 * only as many runs as it can keep and a write yields to the event loop between slices; written to
 * a temporary file created for it alone, synced, and renamed over the old one.
 */

/** Lines written per turn of the event loop: a few milliseconds of work each. */
const SLICE = 500;

export { STATE_VERSION, type LogTail, type PipelineState } from './stateFormat';

/**
 * Writes the whole state to `<file>.tmp`, created for this write alone (a file or link already there
 * is removed, never followed), in slices that leave the event loop free between them; syncs it and
 * renames it over `file`, then syncs the directory: the old state or the new, never half.
 */
export async function writeState(
  file: string,
  state: { service: string; processId: string; pipelines: readonly PipelineState[] },
  now: number,
): Promise<number> {
  const dir = path.dirname(path.resolve(file));
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp`;
  await rm(tmp, { force: true });
  const handle = await open(tmp, 'wx', 0o600);
  let bytes = 0;
  try {
    let slice: string[] = [];
    for (const text of stateLines(state.service, state.processId, state.pipelines, now)) {
      slice.push(text);
      if (slice.length < SLICE) continue;
      bytes += (await handle.write(slice.join(''))).bytesWritten;
      slice = [];
      await nextTurn();
    }
    bytes += (await handle.write(slice.join(''))).bytesWritten;
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  const directory = await open(dir, 'r');
  await directory.sync().finally(() => directory.close());
  return bytes;
}

/** What a restore found, per pipeline; runs beyond what may be kept are counted, not built. */
export interface RestoredPipeline {
  readonly pipeline: string;
  readonly asked: Readonly<Record<Signal, readonly string[]>>;
  readonly logTail?: LogTail;
  readonly pending: PendingRun[];
  readonly spotChecks: SpotRun[];
  /** Pending runs left out: past the room for them (verify.maxPending, .maxPendingApi), or invalid (a start in the future, a bad id). */
  dropped: number;
}

type Room = 'api' | 'other';

export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

/**
 * Reads a state file line by line, keeping per pipeline and room at most `room(pipeline, room)`
 * pending runs (the newest, which come first; those past it are counted without being parsed) and
 * validating each: its ids, and a start no more than `skewMs` in the future. Throws a
 * StateFileError when the file is not a whole state of this version.
 */
export async function readState(
  file: string,
  limits: { now: number; skewMs: number; room: (pipeline: string, room: Room) => number; maxSpotRuns: number },
): Promise<{ service: string; pipelines: Map<string, RestoredPipeline> }> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  const pipelines = new Map<string, RestoredPipeline>();
  let service: string | undefined;
  let ended = false;
  let current: RestoredPipeline | undefined;
  let kept: Record<Room, number> = { api: 0, other: 0 };
  const validRun = (run: SavedRun, p: RestoredPipeline) =>
    run.pipeline === p.pipeline && Date.parse(run.startedAt) <= limits.now + limits.skewMs;
  try {
    for await (const text of lines) {
      if (ended || text.length > 64 * 1024) throw new StateFileError('not a state file of this version');
      // A pending run past its room is counted from its text alone: a file of any length restores in bounded time.
      if (current && text.startsWith('{"kind":"pending"')) {
        const room: Room = text.includes('"trigger":"api"') ? 'api' : 'other';
        if (kept[room] >= limits.room(current.pipeline, room)) {
          current.dropped += 1;
          continue;
        }
      }
      const value = parseLine(text);
      if (service === undefined) {
        service = header.parse(value).service;
        continue;
      }
      const kind = (value as { kind?: unknown }).kind;
      if (kind === 'end') {
        endLine.parse(value);
        ended = true;
      } else if (kind === 'pipeline') {
        const p = pipelineLine.parse(value);
        current = {
          pipeline: p.pipeline,
          asked: p.asked,
          ...(p.logTail ? { logTail: p.logTail } : {}),
          pending: [],
          spotChecks: [],
          dropped: 0,
        };
        pipelines.set(p.pipeline, current);
        kept = { api: 0, other: 0 };
      } else if (!current) throw new StateFileError('not a state file of this version');
      else if (kind === 'spot') {
        const s = spotLine.parse(value);
        if (current.spotChecks.length < limits.maxSpotRuns && validRun(s.run, current))
          current.spotChecks.push({ run: fromSaved(s.run, limits.now), verifiedAtMs: s.verifiedAtMs });
      } else {
        const p = pendingLine.safeParse(value);
        const room: Room = p.success && p.data.run.trigger === 'api' ? 'api' : 'other';
        if (!p.success || !validRun(p.data.run, current) || kept[room] >= limits.room(current.pipeline, room))
          current.dropped += 1;
        else {
          kept[room] += 1;
          current.pending.push(toPending(p.data, limits.now));
        }
      }
    }
  } catch (err) {
    if (err instanceof StateFileError) throw err;
    if (err instanceof z.ZodError || err instanceof SyntaxError)
      throw new StateFileError('not a state file of this version');
    throw new StateFileError((err as NodeJS.ErrnoException).code ?? 'unreadable');
  } finally {
    lines.close();
  }
  if (!ended || service === undefined) throw new StateFileError('cut short (no end line)');
  return { service, pipelines };
}

function parseLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new StateFileError('not JSON');
  }
}
