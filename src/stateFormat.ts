import { z } from 'zod';
import type { SmokeRun } from './smoke/types';
import type { SpotRun } from './verify/spotChecks';
import type { PendingRun } from './verify/judge';
import type { Verdict } from './verify/types';
import {
  BACKENDS,
  EMIT_REASONS,
  EMIT_STATUSES,
  PIPELINE_NAME_PATTERN,
  RUN_ID_PATTERN,
  RUN_OUTCOMES,
  SIGNALS,
  TRIGGERS,
  VERIFY_OUTCOMES,
  VERIFY_REASONS,
  type Signal,
} from './vocabulary';

/** The state file's lines: one JSON object each, the header first and an end line last. */
export const STATE_VERSION = 2;

export interface LogTail {
  readonly ino: number;
  readonly offset: number;
}

/** One pipeline's state. `asked`: per signal, what each reader asked (readBack.ts). */
export interface PipelineState {
  readonly pipeline: string;
  readonly asked: Readonly<Record<Signal, readonly string[]>>;
  readonly logTail?: LogTail;
  readonly pending: Iterable<PendingRun>;
  readonly spotChecks: readonly SpotRun[];
}

export const bySignal = <T extends z.ZodType>(value: T) =>
  z.strictObject(Object.fromEntries(SIGNALS.map((s) => [s, value.optional()])) as Record<Signal, z.ZodOptional<T>>);
const emit = z.strictObject({ status: z.enum(EMIT_STATUSES), reason: z.enum(EMIT_REASONS).optional() });
const savedRun = z.strictObject({
  pipeline: z.string().regex(PIPELINE_NAME_PATTERN),
  id: z.string().regex(RUN_ID_PATTERN),
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  spanId: z.string().regex(/^[0-9a-f]{16}$/),
  seq: z.int().min(1),
  trigger: z.enum(TRIGGERS),
  startedAt: z.iso.datetime(),
  durationSeconds: z.number(),
  outcome: z.enum(RUN_OUTCOMES),
  signals: z.strictObject(Object.fromEntries(SIGNALS.map((s) => [s, emit])) as Record<Signal, typeof emit>),
  process: z.string().regex(/^[0-9a-f]{1,32}$/),
});
const savedVerdict = z.strictObject({
  outcome: z.enum(VERIFY_OUTCOMES),
  reason: z.enum(VERIFY_REASONS),
  lagSeconds: z.number().optional(),
  at: z.iso.datetime(),
  backend: z.enum(BACKENDS).optional(),
  detail: z.string().max(1000).optional(),
});
export const header = z.strictObject({
  kind: z.literal('state'),
  version: z.literal(STATE_VERSION),
  writtenAt: z.iso.datetime(),
  service: z.string(),
});
export const pipelineLine = z.strictObject({
  kind: z.literal('pipeline'),
  pipeline: z.string().regex(PIPELINE_NAME_PATTERN),
  asked: z.strictObject(
    Object.fromEntries(SIGNALS.map((s) => [s, z.array(z.string().max(2000)).max(16)])) as Record<
      Signal,
      z.ZodArray<z.ZodString>
    >,
  ),
  logTail: z.strictObject({ ino: z.number(), offset: z.number() }).optional(),
});
export const pendingLine = z.strictObject({
  kind: z.literal('pending'),
  run: savedRun,
  verdicts: bySignal(savedVerdict),
  progress: bySignal(z.array(z.boolean()).max(16)),
});
export const spotLine = z.strictObject({ kind: z.literal('spot'), run: savedRun, verifiedAtMs: bySignal(z.number()) });
export const endLine = z.strictObject({ kind: z.literal('end') });
export type SavedRun = z.infer<typeof savedRun>;

const toSaved = (r: SmokeRun, processId: string): SavedRun => ({
  pipeline: r.pipeline,
  id: r.id,
  traceId: r.traceId,
  spanId: r.spanId,
  seq: r.seq,
  trigger: r.trigger,
  startedAt: r.startedAt.toISOString(),
  durationSeconds: r.durationSeconds,
  outcome: r.outcome,
  signals: { log: { ...r.signals.log }, trace: { ...r.signals.trace }, metric: { ...r.signals.metric } },
  process: r.process ?? processId,
});

/** A run made by an earlier process: `restoredAtMs` and `process` tell the readers its seq is that process's. */
export const fromSaved = (r: SavedRun, restoredAtMs: number): SmokeRun => {
  const startedAt = new Date(r.startedAt);
  return { ...r, startedAt, timestamp: startedAt.toISOString(), restoredAtMs } as SmokeRun;
};

const line = (value: unknown) => `${JSON.stringify(value)}\n`;

/** The lines of a state, produced a slice at a time. */
export function* stateLines(
  service: string,
  processId: string,
  pipelines: readonly PipelineState[],
  now: number,
): Generator<string> {
  yield line({ kind: 'state', version: STATE_VERSION, writtenAt: new Date(now).toISOString(), service });
  for (const p of pipelines) {
    yield line({
      kind: 'pipeline',
      pipeline: p.pipeline,
      asked: p.asked,
      ...(p.logTail ? { logTail: p.logTail } : {}),
    });
    for (const s of p.spotChecks)
      yield line({ kind: 'spot', run: toSaved(s.run, processId), verifiedAtMs: s.verifiedAtMs });
    for (const pending of p.pending) {
      const verdicts = Object.fromEntries(
        Object.entries(pending.verdicts).map(([signal, v]) => {
          const { outcome, reason, lagSeconds, at, backend, detail } = v as Verdict;
          return [signal, { outcome, reason, lagSeconds, at: at.toISOString(), backend, detail }];
        }),
      );
      yield line({ kind: 'pending', run: toSaved(pending.run, processId), verdicts, progress: pending.progress });
    }
  }
  yield line({ kind: 'end' });
}

export function toPending(p: z.infer<typeof pendingLine>, now: number): PendingRun {
  return {
    run: fromSaved(p.run, now),
    verdicts: Object.fromEntries(
      Object.entries(p.verdicts).map(([signal, v]) => [signal, { signal, ...v, at: new Date(v!.at) } as Verdict]),
    ) as PendingRun['verdicts'],
    progress: p.progress,
  };
}
