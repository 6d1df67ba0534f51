import { randomBytes } from 'node:crypto';
import { SpanStatusCode, TraceFlags, isSpanContextValid, trace, type Tracer } from '@opentelemetry/api';
import { tracing, type resources } from '@opentelemetry/sdk-node';
import type { PipelineConfig } from '../config/pipelines';
import { EMITTED, failed, skipped, type TracePort } from '../smoke/types';
import {
  ATTR_PIPELINE,
  ATTR_RUN_ID,
  ATTR_RUN_SEQ,
  ATTR_TRIGGER,
  RUN_SPAN_NAME,
  type ExportOutcome,
} from '../vocabulary';
import { ExportEvents, type ExportListener } from './exportAccounting';
import { chooseExporter } from './spanExporters';
import { CountingSpanProcessor } from './spanPipeline';

export interface TracingSettings {
  readonly pipeline: string;
  readonly traces: PipelineConfig['traces'];
  readonly resource: resources.Resource;
  /** OTEL_SDK_DISABLED: no span is made; runs still get ids. */
  readonly disabled: boolean;
  /** With request spans on, the run span links to the request's span. */
  readonly linkRequestSpan: boolean;
}

export interface Tracing {
  readonly port: TracePort;
  /** What the spans go to, for the start-up line: "file ./var/spans/…", "otlp http://…", "none". */
  readonly destination: string;
  /** Sees each exported batch holding run spans: their trace ids and the exporter's answer. */
  onExported(listener: ExportListener): void;
  /** The span pipeline, shared with request spans when they are on (the default pipeline's). */
  readonly processor: CountingSpanProcessor | undefined;
  forceFlush(): Promise<void>;
  /** Exports what is queued; never rejects (a failed last export is already counted). */
  shutdown(): Promise<void>;
}

/**
 * One pipeline's run spans: a tracer provider of its own (never the process-wide one, so pipelines
 * and the daemons of one test process never share a span pipeline), its exporter behind a
 * processor that accounts for every span. The sampler comes from OTEL_TRACES_SAMPLER, as the SDK reads it.
 */
export function createTracing(
  settings: TracingSettings,
  options: { countSpans: (outcome: ExportOutcome, n: number) => void; exporter?: tracing.SpanExporter },
): Tracing {
  const events = new ExportEvents();
  const chosen = settings.disabled
    ? { destination: 'none (OTEL_SDK_DISABLED)' }
    : options.exporter
      ? { exporter: options.exporter, destination: 'custom' }
      : chooseExporter(settings.traces);
  const processor = chosen.exporter
    ? new CountingSpanProcessor(chosen.exporter, settings.traces.batch, options.countSpans, (spans, result) => {
        const traceIds = spans.filter((s) => s.name === RUN_SPAN_NAME).map((s) => s.spanContext().traceId);
        if (traceIds.length > 0) events.emit(traceIds, result);
      })
    : undefined;
  const provider = processor
    ? new tracing.BasicTracerProvider({ resource: settings.resource, spanProcessors: [processor] })
    : undefined;
  const tracer = provider?.getTracer(RUN_SPAN_NAME);

  return {
    port: tracer ? runSpans(tracer, processor as CountingSpanProcessor, settings) : untraced(),
    destination: chosen.destination,
    onExported: (listener) => events.on(listener),
    processor,
    forceFlush: () => provider?.forceFlush() ?? Promise.resolve(),
    shutdown: () => provider?.shutdown().catch(() => undefined) ?? Promise.resolve(),
  };
}

function runSpans(tracer: Tracer, processor: CountingSpanProcessor, settings: TracingSettings): TracePort {
  return {
    startRunSpan(trigger, seq, runId) {
      // A root of its own even inside a request span: a client's traceparent must not choose the
      // run's trace id (the run id), nor switch its sampling off. The request span is linked.
      const parent = settings.linkRequestSpan ? trace.getActiveSpan()?.spanContext() : undefined;
      const span = tracer.startSpan(RUN_SPAN_NAME, {
        root: true,
        attributes: { [ATTR_TRIGGER]: trigger, [ATTR_RUN_SEQ]: seq, [ATTR_PIPELINE]: settings.pipeline },
        ...(parent && isSpanContextValid(parent) ? { links: [{ context: parent }] } : {}),
      });
      const { traceId, spanId, traceFlags } = span.spanContext();
      const sampled = (traceFlags & TraceFlags.SAMPLED) !== 0;
      span.setAttribute(ATTR_RUN_ID, runId ?? traceId);
      return {
        traceId,
        spanId,
        sampled,
        end(failedSignal) {
          if (failedSignal)
            span.setStatus({ code: SpanStatusCode.ERROR, message: `${failedSignal} signal not emitted` });
          span.end();
          if (!sampled) return skipped('sampled_out');
          return processor.wasDropped(span) ? failed('dropped') : EMITTED;
        },
      };
    },
  };
}

/** No exporter (`none`, OTEL_SDK_DISABLED): the run still gets ids, and no exemplar points at a trace that is not sent. */
const untraced = (): TracePort => ({
  startRunSpan: () => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    sampled: false,
    end: () => skipped('disabled'),
  }),
});
