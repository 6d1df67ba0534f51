import type { SmokeRun } from '../smoke/types';
import { ATTR_RUN_ID, ATTR_RUN_SEQ, RUN_SPAN_NAME } from '../vocabulary';

interface FoundSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
}

type Json = Record<string, unknown>;
const asArray = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** OTLP/JSON ids are hex in the spec and base64 in protobuf-JSON (as Tempo writes them): both read as hex. */
function hexId(id: unknown, bytes: number): string {
  if (typeof id !== 'string') return '';
  if (new RegExp(`^[0-9a-f]{1,${bytes * 2}}$`, 'i').test(id)) return id.toLowerCase().padStart(bytes * 2, '0');
  return Buffer.from(id, 'base64').toString('hex');
}

/** OTLP AnyValue or a Jaeger tag value, as text. */
function text(value: unknown): string {
  if (value !== null && typeof value === 'object') {
    const v = value as Json;
    const inner = v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
    return inner === undefined ? '' : String(inner);
  }
  return value === undefined || value === null ? '' : String(value);
}

/** The spans of a trace store's answer: Tempo (v1 `batches`, v2 `trace`), OTLP `resourceSpans`, or Jaeger `data`. */
export function spansOf(answer: unknown): FoundSpan[] {
  const body = (answer ?? {}) as Json;
  if (Array.isArray(body.data)) {
    return asArray(body.data).flatMap((trace) =>
      asArray(trace.spans).map((s) => ({
        traceId: hexId(s.traceID, 16),
        spanId: hexId(s.spanID, 8),
        name: String(s.operationName ?? ''),
        attributes: new Map(asArray(s.tags).map((t) => [String(t.key), text(t.value)])),
      })),
    );
  }
  const root = (body.trace as Json | undefined) ?? body;
  const resources = [...asArray(root.batches), ...asArray(root.resourceSpans)];
  return resources.flatMap((r) =>
    [...asArray(r.scopeSpans), ...asArray(r.instrumentationLibrarySpans)].flatMap((scope) =>
      asArray(scope.spans).map((s) => ({
        traceId: hexId(s.traceId, 16),
        spanId: hexId(s.spanId, 8),
        name: String(s.name ?? ''),
        attributes: new Map(asArray(s.attributes).map((a) => [String(a.key), text(a.value)])),
      })),
    ),
  );
}

/**
 * Whether an answer holds the run: `found` (its span, with its run id and seq), `incomplete` (the
 * trace is there, the run span or its attributes are not), or `absent` (no span of the trace).
 */
export function traceHolds(
  answer: unknown,
  run: SmokeRun,
): { state: 'found' } | { state: 'incomplete'; detail: string } | { state: 'absent' } {
  const spans = spansOf(answer).filter((s) => s.traceId === run.traceId);
  if (spans.length === 0) return { state: 'absent' };
  const span = spans.find((s) => s.spanId === run.spanId && s.name === RUN_SPAN_NAME);
  if (!span)
    return {
      state: 'incomplete',
      detail: `${spans.length} span(s) of the trace stored, but not the run span ${RUN_SPAN_NAME}`,
    };
  const runId = span.attributes.get(ATTR_RUN_ID);
  const seq = span.attributes.get(ATTR_RUN_SEQ);
  if (runId !== run.id || seq !== String(run.seq))
    return { state: 'incomplete', detail: `the run span's ${ATTR_RUN_ID} / ${ATTR_RUN_SEQ} differ from the run's` };
  return { state: 'found' };
}
