import type { SmokeRun } from '../smoke/types';
import { ATTR_RUN_ID, ATTR_RUN_SEQ, RUN_SPAN_NAME } from '../vocabulary';
import { HttpError } from './httpClient';

type Json = Record<string, unknown>;
const asArray = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** Spans looked at in one answer at most: a trace of the run holds a handful. */
export const MAX_SPANS = 10_000;

/** OTLP/JSON ids are hex in the spec and base64 in protobuf-JSON (as Tempo writes them): both read as hex. */
function hexId(id: unknown, bytes: number): string {
  if (typeof id !== 'string') return '';
  if (id.length <= bytes * 2 && /^[0-9a-f]+$/i.test(id)) return id.toLowerCase().padStart(bytes * 2, '0');
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

/** One span as a store wrote it, read only as far as needed: ids and name first, attributes for the run span. */
interface SpanView {
  readonly traceId: string;
  readonly spanId: string;
  readonly name: string;
  attribute(key: string): string | undefined;
}

const otlpSpan = (s: Json): SpanView => ({
  traceId: hexId(s.traceId, 16),
  spanId: hexId(s.spanId, 8),
  name: String(s.name ?? ''),
  attribute: (key) => {
    const found = asArray(s.attributes).find((a) => a.key === key);
    return found ? text(found.value) : undefined;
  },
});

const jaegerSpan = (s: Json): SpanView => ({
  traceId: hexId(s.traceID, 16),
  spanId: hexId(s.spanID, 8),
  name: String(s.operationName ?? ''),
  attribute: (key) => {
    const found = asArray(s.tags).find((t) => t.key === key);
    return found ? text(found.value) : undefined;
  },
});

/**
 * The spans of a trace store's answer, one at a time: Tempo (v1 `batches`, v2 `trace`), OTLP
 * `resourceSpans`, Jaeger v3 (`result`) or Jaeger's UI API (`data`). Past MAX_SPANS the answer is
 * refused, whatever it holds.
 */
export function* spansOf(answer: unknown): Generator<SpanView> {
  const body = (answer ?? {}) as Json;
  let count = 0;
  for (const span of rawSpans(body)) {
    if ((count += 1) > MAX_SPANS) throw new HttpError('malformed', `the answer holds more than ${MAX_SPANS} spans`);
    yield span;
  }
}

function* rawSpans(body: Json): Generator<SpanView> {
  if (Array.isArray(body.data)) {
    for (const trace of asArray(body.data)) for (const s of asArray(trace.spans)) yield jaegerSpan(s);
    return;
  }
  const root = ((body.trace ?? body.result) as Json | undefined) ?? body;
  for (const resource of [...asArray(root.batches), ...asArray(root.resourceSpans)]) {
    for (const scope of [...asArray(resource.scopeSpans), ...asArray(resource.instrumentationLibrarySpans)]) {
      for (const s of asArray(scope.spans)) yield otlpSpan(s);
    }
  }
}

/**
 * Whether an answer holds the run: `found` (its span, with its run id and seq), `incomplete` (the
 * trace is there, the run span or its attributes are not), or `absent` (no span of the trace).
 */
export function traceHolds(
  answer: unknown,
  run: SmokeRun,
): { state: 'found' } | { state: 'incomplete'; detail: string } | { state: 'absent' } {
  let ofTrace = 0;
  for (const span of spansOf(answer)) {
    if (span.traceId !== run.traceId) continue;
    ofTrace += 1;
    if (span.spanId !== run.spanId || span.name !== RUN_SPAN_NAME) continue;
    if (span.attribute(ATTR_RUN_ID) !== run.id || span.attribute(ATTR_RUN_SEQ) !== String(run.seq))
      return { state: 'incomplete', detail: `the run span's ${ATTR_RUN_ID} / ${ATTR_RUN_SEQ} differ from the run's` };
    return { state: 'found' };
  }
  if (ofTrace === 0) return { state: 'absent' };
  return {
    state: 'incomplete',
    detail: `${ofTrace} span(s) of the trace stored, but not the run span ${RUN_SPAN_NAME}`,
  };
}
