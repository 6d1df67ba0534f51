import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { SmokeRun } from './smoke/types';
import type { PendingRun } from './verify/judge';
import type { SpotRun } from './verify/spotChecks';
import type { Verdict } from './verify/types';
import {
  BACKENDS,
  EMIT_REASONS,
  EMIT_STATUSES,
  RUN_OUTCOMES,
  SIGNALS,
  TRIGGERS,
  VERIFY_OUTCOMES,
  VERIFY_REASONS,
  type Signal,
} from './vocabulary';

/**
 * What survives a restart: runs still awaiting verdicts, the runs kept for spot checks, and where
 * the log tail had read to. One JSON file, written whole to a temporary name and renamed over the
 * old one, so a crash mid-write leaves the previous state, never half of one.
 */
export const STATE_VERSION = 1;

const bySignal = <T extends z.ZodType>(value: T) =>
  z.strictObject(Object.fromEntries(SIGNALS.map((s) => [s, value.optional()])) as Record<Signal, z.ZodOptional<T>>);
const emit = z.strictObject({ status: z.enum(EMIT_STATUSES), reason: z.enum(EMIT_REASONS).optional() });
const savedRun = z.strictObject({
  id: z.string().max(128),
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  spanId: z.string().regex(/^[0-9a-f]{16}$/),
  seq: z.int().min(1),
  trigger: z.enum(TRIGGERS),
  startedAt: z.iso.datetime(),
  durationSeconds: z.number(),
  outcome: z.enum(RUN_OUTCOMES),
  signals: z.strictObject(Object.fromEntries(SIGNALS.map((s) => [s, emit])) as Record<Signal, typeof emit>),
});
const savedVerdict = z.strictObject({
  outcome: z.enum(VERIFY_OUTCOMES),
  reason: z.enum(VERIFY_REASONS),
  lagSeconds: z.number().optional(),
  at: z.iso.datetime(),
  backend: z.enum(BACKENDS).optional(),
  detail: z.string().max(1000).optional(),
});
const stateSchema = z.strictObject({
  version: z.literal(STATE_VERSION),
  writtenAt: z.iso.datetime(),
  pending: z.array(
    z.strictObject({
      run: savedRun,
      verdicts: bySignal(savedVerdict),
      progress: bySignal(z.array(z.number().nullable())),
    }),
  ),
  spotChecks: z.array(z.strictObject({ run: savedRun, verifiedAtMs: bySignal(z.number()) })),
  logTail: z.strictObject({ ino: z.number(), offset: z.number() }).optional(),
});
type SavedState = z.infer<typeof stateSchema>;
type SavedRun = z.infer<typeof savedRun>;

export interface State {
  readonly pending: readonly PendingRun[];
  readonly spotChecks: readonly SpotRun[];
  readonly logTail?: { readonly ino: number; readonly offset: number };
}

const toSaved = (r: SmokeRun): SavedRun => ({
  id: r.id,
  traceId: r.traceId,
  spanId: r.spanId,
  seq: r.seq,
  trigger: r.trigger,
  startedAt: r.startedAt.toISOString(),
  durationSeconds: r.durationSeconds,
  outcome: r.outcome,
  signals: { log: { ...r.signals.log }, trace: { ...r.signals.trace }, metric: { ...r.signals.metric } },
});

/** A run made by an earlier process: `restoredAtMs` tells the readers its seq is that process's. */
const fromSaved = (r: SavedRun, restoredAtMs: number): SmokeRun => {
  const startedAt = new Date(r.startedAt);
  return { ...r, startedAt, timestamp: startedAt.toISOString(), restoredAtMs } as SmokeRun;
};

const mapSignals = <A, B>(record: Partial<Record<Signal, A>>, f: (a: A) => B): Partial<Record<Signal, B>> =>
  Object.fromEntries(Object.entries(record).map(([s, v]) => [s, f(v as A)])) as Partial<Record<Signal, B>>;

export function serialize(state: State, now: number): string {
  const saved: SavedState = {
    version: STATE_VERSION,
    writtenAt: new Date(now).toISOString(),
    pending: state.pending.map((p) => ({
      run: toSaved(p.run),
      verdicts: mapSignals(p.verdicts, (v: Verdict) => ({
        outcome: v.outcome,
        reason: v.reason,
        lagSeconds: v.lagSeconds,
        at: v.at.toISOString(),
        backend: v.backend,
        detail: v.detail,
      })),
      progress: mapSignals(p.progress, (found: readonly (number | undefined)[]) => found.map((f) => f ?? null)),
    })),
    spotChecks: state.spotChecks.map((s) => ({ run: toSaved(s.run), verifiedAtMs: { ...s.verifiedAtMs } })),
    ...(state.logTail ? { logTail: { ...state.logTail } } : {}),
  };
  return `${JSON.stringify(saved)}\n`;
}

export function parse(text: string, now: number): State {
  const saved = stateSchema.parse(JSON.parse(text));
  return {
    pending: saved.pending.map((p) => ({
      run: fromSaved(p.run, now),
      verdicts: Object.fromEntries(
        Object.entries(p.verdicts).map(([signal, v]) => [signal, { signal, ...v, at: new Date(v!.at) } as Verdict]),
      ) as PendingRun['verdicts'],
      progress: mapSignals(p.progress, (found: (number | null)[]) => found.map((f) => f ?? undefined)),
    })),
    spotChecks: saved.spotChecks.map((s) => ({ run: fromSaved(s.run, now), verifiedAtMs: s.verifiedAtMs })),
    ...(saved.logTail ? { logTail: saved.logTail } : {}),
  };
}

/**
 * The state at `file`, or undefined when there is none. A file that cannot be read back (truncated,
 * garbage, another version) is renamed aside (`<file>.unreadable-<time>`) and the daemon starts clean.
 */
export function readState(file: string, now: number): { state?: State; setAside?: { to: string; why: string } } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return setAside(file, now, (err as NodeJS.ErrnoException).code ?? 'unreadable');
  }
  try {
    return { state: parse(text, now) };
  } catch (err) {
    return setAside(file, now, err instanceof SyntaxError ? 'not JSON' : 'not a state file of this version');
  }
}

function setAside(file: string, now: number, why: string): { setAside: { to: string; why: string } } {
  const to = `${file}.unreadable-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(file, to);
  } catch {
    return { setAside: { to: '(left in place)', why } };
  }
  return { setAside: { to, why } };
}

/** Writes the whole state to `<file>.tmp` and renames it over `file`: the old state or the new, never half. */
export async function writeState(file: string, state: State, now: number): Promise<number> {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const text = serialize(state, now);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, file);
  return Buffer.byteLength(text);
}
