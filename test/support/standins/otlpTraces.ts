import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import {
  anyText,
  asArray,
  attributeText,
  decodeOtlp,
  JSON_TYPE,
  keyValues,
  mediaType,
  OTLP_TYPES,
  OtlpBodyError,
  PROTOBUF,
  type AnyValue,
  type KeyValue,
} from './otlp';

/** One span as OTLP sent it (protobuf or JSON, in one normal form: ids hex), with its resource and scope. */
export interface StoredSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP's SpanKind number (1 internal, 2 server, …). */
  readonly kind: number;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  /** The attributes as text: what a query compares, and what a test changes (`mangle`). */
  readonly attributes: Record<string, string>;
  /** The attributes with the types they were sent with. */
  readonly typed: readonly KeyValue[];
  /** The span in OTLP/JSON normal form (events, links, status, flags, …). */
  readonly raw: Record<string, unknown>;
  readonly resource: Record<string, unknown>;
  readonly scope: Record<string, unknown>;
}

/** The spans of an ExportTraceServiceRequest (POST /v1/traces), protobuf or JSON. */
export function spansOfRequest(body: Buffer, headers: IncomingHttpHeaders = {}): StoredSpan[] {
  const request = decodeOtlp('traces', body, {
    contentType: headers['content-type'] ?? JSON_TYPE,
    contentEncoding: String(headers['content-encoding'] ?? ''),
  });
  return asArray(request.resourceSpans).flatMap((rs) =>
    asArray(rs.scopeSpans).flatMap((ss) =>
      asArray(ss.spans).map((s) => ({
        traceId: String(s.traceId ?? ''),
        spanId: String(s.spanId ?? ''),
        parentSpanId: String(s.parentSpanId ?? ''),
        name: String(s.name ?? ''),
        kind: Number(s.kind ?? 0),
        startTimeUnixNano: String(s.startTimeUnixNano ?? '0'),
        endTimeUnixNano: String(s.endTimeUnixNano ?? '0'),
        attributes: attributeText(s.attributes),
        typed: keyValues(s.attributes),
        raw: s,
        resource: (rs.resource ?? {}) as Record<string, unknown>,
        scope: (ss.scope ?? {}) as Record<string, unknown>,
      })),
    ),
  );
}

/**
 * A span's attributes as a store writes them: each with the type it was sent with, unless a test
 * changed its text (then a string).
 */
export function spanAttributes(s: StoredSpan): KeyValue[] {
  return Object.entries(s.attributes).map(([key, text]) => {
    const typed = s.typed.find((kv) => kv.key === key);
    return { key, value: typed && anyText(typed.value) === text ? typed.value : ({ stringValue: text } as AnyValue) };
  });
}

/**
 * An OTLP/HTTP receiver's answer to POST /v1/traces (the OpenTelemetry Collector's, which Tempo's
 * distributor and Jaeger's collector are built on): 200 with an empty ExportTraceServiceResponse
 * in the request's encoding; 415 for another content type; 400 with a google.rpc.Status for a body
 * it cannot read. `accept` stores the spans.
 */
export function receiveTraces(
  res: ServerResponse,
  body: Buffer,
  headers: IncomingHttpHeaders,
  accept: (spans: StoredSpan[]) => void,
): void {
  const type = mediaType(headers['content-type']);
  if (type !== JSON_TYPE && type !== PROTOBUF) {
    const text = `415 unsupported media type, supported: [${JSON_TYPE}, ${PROTOBUF}]`;
    res.writeHead(415, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) }).end(text);
    return;
  }
  let spans: StoredSpan[];
  try {
    spans = spansOfRequest(body, headers);
  } catch (err) {
    if (!(err instanceof OtlpBodyError)) throw err;
    return otlpStatus(res, type, 400, 3, err.message);
  }
  accept(spans);
  const answer = type === PROTOBUF ? Buffer.alloc(0) : Buffer.from('{}');
  res.writeHead(200, { 'content-type': type, 'content-length': answer.length }).end(answer);
}

/** An OTLP/HTTP error answer: a google.rpc.Status in the request's encoding. */
export function otlpStatus(res: ServerResponse, type: string, status: number, code: number, message: string): void {
  const body =
    type === PROTOBUF
      ? Buffer.from(OTLP_TYPES.status.encode(OTLP_TYPES.status.fromObject({ code, message })).finish())
      : Buffer.from(JSON.stringify({ code, message }));
  res.writeHead(status, { 'content-type': type, 'content-length': body.length }).end(body);
}
