import { gunzipSync } from 'node:zlib';
import { Field, Root, Type } from 'protobufjs';

/*
 * The subset of the OTLP messages the stand-ins decode, described with protobufjs's reflection API.
 * Field numbers are those of open-telemetry/opentelemetry-proto at commit
 * ac2c4b5d1f3a6079de62f9afec860158ecc8af09 (opentelemetry/proto/common/v1/common.proto,
 * resource/v1/resource.proto, trace/v1/trace.proto, logs/v1/logs.proto,
 * collector/trace/v1/trace_service.proto, collector/logs/v1/logs_service.proto). Fields are named
 * in lowerCamelCase, as OTLP/JSON names them, so a decoded message has the OTLP/JSON field names.
 * Enums are declared as int32 (the same varint on the wire). Fields this subset leaves out
 * (string_value_strindex, key_strindex, entity_refs) are skipped by the decoder.
 */
const message = (name: string, fields: [string, number, string, 'repeated'?][]) => {
  const type = new Type(name);
  for (const [field, id, kind, rule] of fields) type.add(new Field(field, id, kind, rule));
  return type;
};

const root = new Root()
  .add(
    message('AnyValue', [
      ['stringValue', 1, 'string'],
      ['boolValue', 2, 'bool'],
      ['intValue', 3, 'int64'],
      ['doubleValue', 4, 'double'],
      ['arrayValue', 5, 'ArrayValue'],
      ['kvlistValue', 6, 'KeyValueList'],
      ['bytesValue', 7, 'bytes'],
    ]),
  )
  .add(message('ArrayValue', [['values', 1, 'AnyValue', 'repeated']]))
  .add(message('KeyValueList', [['values', 1, 'KeyValue', 'repeated']]))
  .add(
    message('KeyValue', [
      ['key', 1, 'string'],
      ['value', 2, 'AnyValue'],
    ]),
  )
  .add(
    message('InstrumentationScope', [
      ['name', 1, 'string'],
      ['version', 2, 'string'],
      ['attributes', 3, 'KeyValue', 'repeated'],
      ['droppedAttributesCount', 4, 'uint32'],
    ]),
  )
  .add(
    message('Resource', [
      ['attributes', 1, 'KeyValue', 'repeated'],
      ['droppedAttributesCount', 2, 'uint32'],
    ]),
  )
  .add(
    message('Status', [
      ['message', 2, 'string'],
      ['code', 3, 'int32'],
    ]),
  )
  .add(
    message('Event', [
      ['timeUnixNano', 1, 'fixed64'],
      ['name', 2, 'string'],
      ['attributes', 3, 'KeyValue', 'repeated'],
      ['droppedAttributesCount', 4, 'uint32'],
    ]),
  )
  .add(
    message('Link', [
      ['traceId', 1, 'bytes'],
      ['spanId', 2, 'bytes'],
      ['traceState', 3, 'string'],
      ['attributes', 4, 'KeyValue', 'repeated'],
      ['droppedAttributesCount', 5, 'uint32'],
      ['flags', 6, 'fixed32'],
    ]),
  )
  .add(
    message('Span', [
      ['traceId', 1, 'bytes'],
      ['spanId', 2, 'bytes'],
      ['traceState', 3, 'string'],
      ['parentSpanId', 4, 'bytes'],
      ['flags', 16, 'fixed32'],
      ['name', 5, 'string'],
      ['kind', 6, 'int32'],
      ['startTimeUnixNano', 7, 'fixed64'],
      ['endTimeUnixNano', 8, 'fixed64'],
      ['attributes', 9, 'KeyValue', 'repeated'],
      ['droppedAttributesCount', 10, 'uint32'],
      ['events', 11, 'Event', 'repeated'],
      ['droppedEventsCount', 12, 'uint32'],
      ['links', 13, 'Link', 'repeated'],
      ['droppedLinksCount', 14, 'uint32'],
      ['status', 15, 'Status'],
    ]),
  )
  .add(
    message('ScopeSpans', [
      ['scope', 1, 'InstrumentationScope'],
      ['spans', 2, 'Span', 'repeated'],
      ['schemaUrl', 3, 'string'],
    ]),
  )
  .add(
    message('ResourceSpans', [
      ['resource', 1, 'Resource'],
      ['scopeSpans', 2, 'ScopeSpans', 'repeated'],
      ['schemaUrl', 3, 'string'],
    ]),
  )
  .add(message('ExportTraceServiceRequest', [['resourceSpans', 1, 'ResourceSpans', 'repeated']]))
  .add(
    message('LogRecord', [
      ['timeUnixNano', 1, 'fixed64'],
      ['observedTimeUnixNano', 11, 'fixed64'],
      ['severityNumber', 2, 'int32'],
      ['severityText', 3, 'string'],
      ['body', 5, 'AnyValue'],
      ['attributes', 6, 'KeyValue', 'repeated'],
      ['droppedAttributesCount', 7, 'uint32'],
      ['flags', 8, 'fixed32'],
      ['traceId', 9, 'bytes'],
      ['spanId', 10, 'bytes'],
      ['eventName', 12, 'string'],
    ]),
  )
  .add(
    message('ScopeLogs', [
      ['scope', 1, 'InstrumentationScope'],
      ['logRecords', 2, 'LogRecord', 'repeated'],
      ['schemaUrl', 3, 'string'],
    ]),
  )
  .add(
    message('ResourceLogs', [
      ['resource', 1, 'Resource'],
      ['scopeLogs', 2, 'ScopeLogs', 'repeated'],
      ['schemaUrl', 3, 'string'],
    ]),
  )
  .add(message('ExportLogsServiceRequest', [['resourceLogs', 1, 'ResourceLogs', 'repeated']]))
  .add(
    // google.rpc.Status, the body of an OTLP/HTTP error answer (code 1, message 2; details left out).
    message('RpcStatus', [
      ['code', 1, 'int32'],
      ['message', 2, 'string'],
    ]),
  );
root.resolveAll();

export const OTLP_TYPES = {
  traces: root.lookupType('ExportTraceServiceRequest'),
  logs: root.lookupType('ExportLogsServiceRequest'),
  status: root.lookupType('RpcStatus'),
};

type Json = Record<string, unknown>;

/** An OTLP AnyValue as OTLP/JSON writes it: 64-bit integers as decimal strings, bytes base64. */
export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  | { bytesValue: string }
  | Record<string, never>;
export interface KeyValue {
  key: string;
  value: AnyValue;
}

export const PROTOBUF = 'application/x-protobuf';
export const JSON_TYPE = 'application/json';

/** The media type of a request, without parameters, lower case. */
export const mediaType = (contentType: string | undefined) =>
  String(contentType ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();

/** Why a body cannot be read, as an OTLP receiver answers (400 with a Status). */
export class OtlpBodyError extends Error {}

/**
 * An OTLP export request, from protobuf (`application/x-protobuf`) or OTLP/JSON
 * (`application/json`), gzip-compressed or not, in one normal form: OTLP/JSON field names, ids in
 * lower-case hex, 64-bit integers as decimal strings, enums as numbers.
 */
export function decodeOtlp(
  kind: 'traces' | 'logs',
  body: Buffer,
  headers: { contentType?: string; contentEncoding?: string },
): Json {
  let raw = body;
  if (String(headers.contentEncoding ?? '').toLowerCase() === 'gzip') raw = gunzipSync(body);
  const type = mediaType(headers.contentType);
  if (type === PROTOBUF) {
    try {
      const decoded = OTLP_TYPES[kind].decode(raw);
      return normalize(OTLP_TYPES[kind].toObject(decoded, { longs: String, enums: Number, defaults: false })) as Json;
    } catch (err) {
      throw new OtlpBodyError(`proto: cannot parse invalid wire-format data: ${(err as Error).message}`);
    }
  }
  try {
    return normalize(JSON.parse(raw.toString('utf8'))) as Json;
  } catch (err) {
    throw new OtlpBodyError(`cannot unmarshal OTLP/JSON: ${(err as Error).message}`);
  }
}

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);
const INT64_FIELDS = new Set(['timeUnixNano', 'observedTimeUnixNano', 'startTimeUnixNano', 'endTimeUnixNano']);
const SPAN_KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

/** One normal form for both encodings: ids hex, 64-bit integers strings, bytes base64. */
function normalize(v: unknown, key = ''): unknown {
  if (v instanceof Uint8Array)
    return ID_FIELDS.has(key) ? Buffer.from(v).toString('hex') : Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map((x) => normalize(x));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Json).map(([k, x]) => [k, normalize(x, k)]));
  }
  if (ID_FIELDS.has(key) && typeof v === 'string') return v.toLowerCase();
  if ((INT64_FIELDS.has(key) || key === 'intValue') && (typeof v === 'number' || typeof v === 'string'))
    return String(v);
  if (key === 'kind' && typeof v === 'string') return Math.max(0, SPAN_KINDS.indexOf(v.replace(/^SPAN_KIND_/, '')));
  return v;
}

export const asArray = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** An AnyValue as text: what a label or a query compares. */
export function anyText(value: unknown): string {
  const v = (value ?? {}) as Json;
  if (v.stringValue !== undefined) return String(v.stringValue);
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.boolValue !== undefined) return String(v.boolValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.bytesValue !== undefined) return String(v.bytesValue);
  if (v.arrayValue !== undefined) return JSON.stringify(asArray((v.arrayValue as Json).values).map(anyJson));
  if (v.kvlistValue !== undefined)
    return JSON.stringify(
      Object.fromEntries(asArray((v.kvlistValue as Json).values).map((kv) => [String(kv.key), anyJson(kv.value)])),
    );
  return '';
}

/** An AnyValue as the plain JSON value it holds. */
function anyJson(value: unknown): unknown {
  const v = (value ?? {}) as Json;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined || v.doubleValue !== undefined) return v.boolValue ?? v.doubleValue;
  return anyText(value);
}

/** OTLP/JSON key-values, typed as sent. */
export const keyValues = (list: unknown): KeyValue[] =>
  asArray(list).map((a) => ({ key: String(a.key), value: (a.value ?? {}) as AnyValue }));

/** OTLP/JSON key-values as plain strings. */
export const attributeText = (list: unknown): Record<string, string> =>
  Object.fromEntries(keyValues(list).map((kv) => [kv.key, anyText(kv.value)]));

/*
 * Metrics, added for the Mimir stand-in: the subset of opentelemetry/proto/metrics/v1/metrics.proto
 * and collector/metrics/v1/metrics_service.proto (same commit, ac2c4b5d) a store of number metrics
 * decodes: Gauge and Sum with their NumberDataPoints. Histograms, summaries, exemplars and the
 * oneof's grouping are left out (the decoder skips what it does not know; `asDouble` and `asInt`
 * are read as two optional fields). AggregationTemporality is an int32: 1 DELTA, 2 CUMULATIVE.
 */
root
  .add(
    message('NumberDataPoint', [
      ['attributes', 7, 'KeyValue', 'repeated'],
      ['startTimeUnixNano', 2, 'fixed64'],
      ['timeUnixNano', 3, 'fixed64'],
      ['asDouble', 4, 'double'],
      ['asInt', 6, 'sfixed64'],
      ['flags', 8, 'uint32'],
    ]),
  )
  .add(message('Gauge', [['dataPoints', 1, 'NumberDataPoint', 'repeated']]))
  .add(
    message('Sum', [
      ['dataPoints', 1, 'NumberDataPoint', 'repeated'],
      ['aggregationTemporality', 2, 'int32'],
      ['isMonotonic', 3, 'bool'],
    ]),
  )
  .add(
    message('Metric', [
      ['name', 1, 'string'],
      ['description', 2, 'string'],
      ['unit', 3, 'string'],
      ['gauge', 5, 'Gauge'],
      ['sum', 7, 'Sum'],
      ['metadata', 12, 'KeyValue', 'repeated'],
    ]),
  )
  .add(
    message('ScopeMetrics', [
      ['scope', 1, 'InstrumentationScope'],
      ['metrics', 2, 'Metric', 'repeated'],
      ['schemaUrl', 3, 'string'],
    ]),
  )
  .add(
    message('ResourceMetrics', [
      ['resource', 1, 'Resource'],
      ['scopeMetrics', 2, 'ScopeMetrics', 'repeated'],
      ['schemaUrl', 3, 'string'],
    ]),
  )
  .add(message('ExportMetricsServiceRequest', [['resourceMetrics', 1, 'ResourceMetrics', 'repeated']]))
  .add(
    message('ExportMetricsPartialSuccess', [
      ['rejectedDataPoints', 1, 'int64'],
      ['errorMessage', 2, 'string'],
    ]),
  )
  .add(message('ExportMetricsServiceResponse', [['partialSuccess', 1, 'ExportMetricsPartialSuccess']]));
root.resolveAll();

export const OTLP_METRICS_TYPES = {
  request: root.lookupType('ExportMetricsServiceRequest'),
  response: root.lookupType('ExportMetricsServiceResponse'),
};

/** An AggregationTemporality as OTLP/JSON may write it, by number or by name: 1 DELTA, 2 CUMULATIVE. */
export function temporalityOf(value: unknown): number {
  if (typeof value === 'number') return value;
  const name = String(value ?? '').replace(/^AGGREGATION_TEMPORALITY_/, '');
  return name === 'DELTA' ? 1 : name === 'CUMULATIVE' ? 2 : Number(name) || 0;
}

/**
 * An ExportMetricsServiceRequest, from protobuf or OTLP/JSON, gzip-compressed or not, in the same
 * normal form as `decodeOtlp` (times and `asInt` as decimal strings, enums as numbers).
 */
export function decodeOtlpMetrics(body: Buffer, headers: { contentType?: string; contentEncoding?: string }): Json {
  let raw = body;
  if (String(headers.contentEncoding ?? '').toLowerCase() === 'gzip') {
    try {
      raw = gunzipSync(body);
    } catch (err) {
      throw new OtlpBodyError(`gzip: ${(err as Error).message}`);
    }
  }
  const type = OTLP_METRICS_TYPES.request;
  if (mediaType(headers.contentType) === PROTOBUF) {
    try {
      return normalize(type.toObject(type.decode(raw), { longs: String, enums: Number, defaults: false })) as Json;
    } catch (err) {
      throw new OtlpBodyError(`proto: cannot parse invalid wire-format data: ${(err as Error).message}`);
    }
  }
  try {
    return normalize(JSON.parse(raw.toString('utf8'))) as Json;
  } catch (err) {
    throw new OtlpBodyError(`cannot unmarshal OTLP/JSON: ${(err as Error).message}`);
  }
}
