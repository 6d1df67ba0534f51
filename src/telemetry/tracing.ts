import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, SpanStatusCode, TraceFlags, isSpanContextValid, trace, type Context, type ContextManager } from '@opentelemetry/api';
import type * as OtlpHttpJson from '@opentelemetry/exporter-trace-otlp-http';
import type * as OtlpHttpProto from '@opentelemetry/exporter-trace-otlp-proto';
import type * as HttpInstrumentationModule from '@opentelemetry/instrumentation-http';
import type * as KoaInstrumentationModule from '@opentelemetry/instrumentation-koa';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ConsoleSpanExporter, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Config } from '../config';
import { ATTR_RUN_ID, ATTR_RUN_SEQ, ATTR_TRIGGER, RUN_SPAN_NAME } from '../smoke/constants';
import { EMITTED, failed, skipped, type Exemplar, type TracePort } from '../smoke/types';
import type { SpanAck } from '../verify/traceVerifier';
import type { SpanOutcome } from './metrics';
import { OtlpJsonFileExporter } from './otlpJsonFile';
import { CountingSpanProcessor } from './spanPipeline';

export interface TracingSettings {
  readonly service: string;
  readonly version: string;
  readonly traces: Config['traces'];
  /** With request spans on, these paths get none: probes and scrapes would drown the runs. */
  readonly untracedPaths: readonly string[];
}

export interface Tracing {
  readonly port: TracePort;
  /** The current request's sampled span as exemplar labels (only with request spans on). */
  currentExemplar(): Exemplar | undefined;
  /** What the spans go to, for the startup line: "file ./var/spans/…", "otlp http://…", "none". */
  readonly destination: string;
  forceFlush(): Promise<void>;
  /** Exports what is queued; never rejects (a failed last export is already counted). */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK and returns the run-span port. With request spans on, call it
 * before koa or the app are loaded: instrumentation patches modules as they are required.
 */
export function createTracing(
  settings: TracingSettings,
  options: {
    countSpans: (outcome: SpanOutcome, n: number) => void;
    /** Called once per exported run span with the exporter's answer. */
    onRunSpanExported?: (traceId: string, ack: SpanAck) => void;
    exporter?: SpanExporter;
  },
): Tracing {
  const { exporter, destination } = options.exporter
    ? { exporter: options.exporter, destination: 'custom' }
    : chooseExporter(settings.traces);
  const onRunSpan = options.onRunSpanExported;
  const observe = onRunSpan
    ? (spans: readonly ReadableSpan[], result: ExportResult) => {
        const ack = { ok: result.code === ExportResultCode.SUCCESS, atMs: Date.now(), ...(result.error ? { error: result.error.message } : {}) };
        for (const span of spans) if (span.name === RUN_SPAN_NAME) onRunSpan(span.spanContext().traceId, ack);
      }
    : undefined;
  const processor = exporter ? new CountingSpanProcessor(exporter, settings.traces.batch, options.countSpans, observe) : undefined;
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.service, [ATTR_SERVICE_VERSION]: settings.version }),
    instrumentations: settings.traces.requestSpans ? requestInstrumentations(new Set(settings.untracedPaths)) : [],
    // With no processor the SDK registers no tracer provider; a no-op processor keeps real ids.
    spanProcessors: [processor ?? { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} }],
    // Their defaults dial localhost:4318 and stall shutdown.
    metricReaders: [],
    logRecordProcessors: [],
    ...(settings.traces.requestSpans ? {} : { contextManager: new RootContextManager() }),
  });
  sdk.start();
  const tracer = trace.getTracer(settings.service, settings.version);

  const port: TracePort = {
    startRunSpan(trigger, seq, runId) {
      const span = tracer.startSpan(RUN_SPAN_NAME, { attributes: { [ATTR_TRIGGER]: trigger, [ATTR_RUN_SEQ]: seq } });
      const ctx = span.spanContext();
      const real = isSpanContextValid(ctx); // false when OTEL_SDK_DISABLED=true
      const traceId = real ? ctx.traceId : randomBytes(16).toString('hex');
      const spanId = real ? ctx.spanId : randomBytes(8).toString('hex');
      const sampled = real && (ctx.traceFlags & TraceFlags.SAMPLED) !== 0;
      span.setAttribute(ATTR_RUN_ID, runId ?? traceId);
      return {
        traceId,
        spanId,
        sampled,
        end(failedSignal) {
          if (failedSignal) span.setStatus({ code: SpanStatusCode.ERROR, message: `${failedSignal} signal not emitted` });
          span.end();
          if (!real || !processor) return skipped('disabled');
          if (!sampled) return skipped('sampled_out');
          return processor.wasDropped(span) ? failed('dropped') : EMITTED;
        },
      };
    },
  };

  return {
    port,
    currentExemplar() {
      const ctx = trace.getActiveSpan()?.spanContext();
      return ctx && ctx.traceFlags & TraceFlags.SAMPLED ? { trace_id: ctx.traceId, span_id: ctx.spanId } : undefined;
    },
    destination,
    forceFlush: () => processor?.forceFlush() ?? Promise.resolve(),
    shutdown: () => sdk.shutdown().catch(() => undefined),
  };
}

/**
 * Carries no context across calls. Without request spans the run span is a root and nothing else
 * is traced, so the SDK's default (AsyncLocalStorage) would only cost: it hooks every promise in
 * the process once the first export enters a context (~10 % of throughput, bench/README.md).
 */
class RootContextManager implements ContextManager {
  active(): Context {
    return ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(_context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return fn.call(thisArg, ...args);
  }
  bind<T>(_context: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

/**
 * HTTP server and Koa router spans for every request. Off by default: patching http and koa
 * (and the async context they need) costs ~40 % of throughput (bench/README.md), and the run
 * span, the signal under test, does not need them. Loaded only when asked for.
 */
function requestInstrumentations(untraced: ReadonlySet<string>) {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof HttpInstrumentationModule;
  const { KoaInstrumentation, KoaLayerType } = require('@opentelemetry/instrumentation-koa') as typeof KoaInstrumentationModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => untraced.has((req.url ?? '').split('?')[0] ?? '') }),
    // Router layers only: a span per middleware would cost more than the run itself.
    new KoaInstrumentation({ ignoreLayersType: [KoaLayerType.MIDDLEWARE] }),
  ];
}

/** `auto` means OTLP when an endpoint is configured (OTEL_EXPORTER_OTLP_*), else the local file. */
export function chooseExporter(traces: Config['traces']): { exporter?: SpanExporter; destination: string } {
  const url = traces.otlp.tracesEndpoint || (traces.otlp.endpoint && `${traces.otlp.endpoint.replace(/\/+$/, '')}/v1/traces`);
  const kind = traces.exporter === 'auto' ? (url ? 'otlp' : 'file') : traces.exporter;
  switch (kind) {
    case 'otlp': {
      // Only the chosen exporter is loaded: each costs tens of milliseconds at startup.
      /* eslint-disable @typescript-eslint/no-require-imports */
      const Exporter =
        traces.otlp.protocol === 'http/json'
          ? (require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttpJson).OTLPTraceExporter
          : (require('@opentelemetry/exporter-trace-otlp-proto') as typeof OtlpHttpProto).OTLPTraceExporter;
      /* eslint-enable @typescript-eslint/no-require-imports */
      return {
        exporter: new Exporter(url ? { url, timeoutMillis: traces.batch.exportTimeout } : { timeoutMillis: traces.batch.exportTimeout }),
        destination: `otlp ${traces.otlp.protocol} ${url || 'http://localhost:4318/v1/traces'}`,
      };
    }
    case 'file':
      return { exporter: new OtlpJsonFileExporter(traces.file.path), destination: `file ${traces.file.path}` };
    case 'console':
      return { exporter: new ConsoleSpanExporter(), destination: 'console' };
    default:
      return { destination: 'none' };
  }
}
