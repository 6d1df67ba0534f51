import { asArray, attributes } from './base';

/** One span as OTLP/JSON sent it, with the resource it came from. */
export interface StoredSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly name: string;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: Record<string, string>;
  readonly raw: Record<string, unknown>;
  readonly resource: Record<string, unknown>;
  readonly scope: Record<string, unknown>;
}

/** The spans of an OTLP/JSON ExportTraceServiceRequest (POST /v1/traces, http/json). */
export function spansOfRequest(body: Buffer): StoredSpan[] {
  const request = JSON.parse(body.toString('utf8')) as { resourceSpans?: unknown };
  return asArray(request.resourceSpans).flatMap((rs) =>
    asArray(rs.scopeSpans).flatMap((ss) =>
      asArray(ss.spans).map((s) => ({
        traceId: String(s.traceId),
        spanId: String(s.spanId),
        name: String(s.name),
        startTimeUnixNano: String(s.startTimeUnixNano),
        endTimeUnixNano: String(s.endTimeUnixNano),
        attributes: attributes(s.attributes),
        raw: s,
        resource: (rs.resource ?? {}) as Record<string, unknown>,
        scope: (ss.scope ?? {}) as Record<string, unknown>,
      })),
    ),
  );
}
