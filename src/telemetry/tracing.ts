import { randomBytes } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SpanStatusCode,
  TraceFlags,
  isSpanContextValid,
  trace,
  type Context,
  type ContextManager,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type * as HttpInstrumentationModule from '@opentelemetry/instrumentation-http';
import type * as KoaInstrumentationModule from '@opentelemetry/instrumentation-koa';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Config } from '../config/schema';
import { EMITTED, failed, skipped, type TracePort } from '../smoke/types';
import {
  ATTR_RUN_ID,
  ATTR_RUN_SEQ,
  ATTR_TRIGGER,
  RUN_SPAN_NAME,
  exemplarOf,
  type Exemplar,
  type SpanOutcome,
} from '../vocabulary';
import { chooseExporter } from './spanExporters';
import { CountingSpanProcessor } from './spanPipeline';

export interface TracingSettings {
  readonly service: string;
  readonly version: string;
  readonly traces: Config['traces'];
  /** With request spans on, these paths get none: probes and scrapes would drown the runs. */
  readonly untracedPaths: readonly string[];
}

/** What the exporter said about a batch holding run spans. */
export interface SpanAck {
  readonly ok: boolean;
  readonly atMs: number;
  readonly error?: string;
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

export interface TracingOptions {
  countSpans: (outcome: SpanOutcome, n: number) => void;
  /** Called once per exported batch holding run spans, with their trace ids and the exporter's answer. */
  onRunSpansExported?: (traceIds: readonly string[], ack: SpanAck) => void;
  /** Replaces the configured exporter (tests). */
  exporter?: SpanExporter;
  now?: () => number;
}

/**
 * Starts an OpenTelemetry SDK for one daemon and returns the run-span port. With request spans on,
 * call it before koa is loaded: instrumentation patches modules as they are required.
 */
export function createTracing(settings: TracingSettings, options: TracingOptions): Tracing {
  const now = options.now ?? Date.now;
  const { exporter, destination } = options.exporter
    ? { exporter: options.exporter, destination: 'custom' }
    : chooseExporter(settings.traces);
  const onRunSpans = options.onRunSpansExported;
  const observe = onRunSpans
    ? (spans: readonly ReadableSpan[], result: ExportResult) => {
        const traceIds = spans.filter((s) => s.name === RUN_SPAN_NAME).map((s) => s.spanContext().traceId);
        if (traceIds.length === 0) return;
        onRunSpans(traceIds, {
          ok: result.code === ExportResultCode.SUCCESS,
          atMs: now(),
          ...(result.error ? { error: result.error.message } : {}),
        });
      }
    : undefined;
  const processor = exporter
    ? new CountingSpanProcessor(exporter, settings.traces.batch, options.countSpans, observe)
    : undefined;
  const requestSpans = settings.traces.requestSpans;
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.service,
      [ATTR_SERVICE_VERSION]: settings.version,
    }),
    instrumentations: requestSpans ? requestInstrumentations(new Set(settings.untracedPaths)) : [],
    // With no processor the SDK makes no tracer provider; a no-op processor keeps real ids.
    spanProcessors: [processor ?? { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} }],
    // Their defaults dial localhost:4318 and stall shutdown.
    metricReaders: [],
    logRecordProcessors: [],
    ...(requestSpans ? {} : { contextManager: new RootContextManager() }),
  });
  sdk.start();
  const tracer = runTracer(sdk, settings);

  const port: TracePort = {
    startRunSpan(trigger, seq, runId) {
      // A root of its own even inside a request span: a client's traceparent must not choose the
      // run's trace id (the run id), nor switch its sampling off. The request span is linked.
      const parent = requestSpans ? trace.getActiveSpan()?.spanContext() : undefined;
      const span = tracer.startSpan(RUN_SPAN_NAME, {
        root: true,
        attributes: { [ATTR_TRIGGER]: trigger, [ATTR_RUN_SEQ]: seq },
        ...(parent && isSpanContextValid(parent) ? { links: [{ context: parent }] } : {}),
      });
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
          if (failedSignal)
            span.setStatus({ code: SpanStatusCode.ERROR, message: `${failedSignal} signal not emitted` });
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
      const ctx = requestSpans ? trace.getActiveSpan()?.spanContext() : undefined;
      return ctx && ctx.traceFlags & TraceFlags.SAMPLED ? exemplarOf(ctx) : undefined;
    },
    destination,
    forceFlush: () => processor?.forceFlush() ?? Promise.resolve(),
    shutdown: () => sdk.shutdown().catch(() => undefined),
  };
}

/**
 * The run span comes from this SDK's own provider, not the process-wide one: two daemons in one
 * process (the tests) must never share a pipeline. NodeSDK 0.223 keeps its provider in a private
 * field; test/telemetry/tracing.test.ts fails if that changes. No provider (OTEL_SDK_DISABLED):
 * the API's no-op tracer, whose spans have no valid ids.
 */
function runTracer(sdk: NodeSDK, settings: TracingSettings): Tracer {
  const provider = (sdk as unknown as { _tracerProvider?: TracerProvider })._tracerProvider;
  return (provider ?? trace.getTracerProvider()).getTracer(settings.service, settings.version);
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
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    _context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
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
  const { KoaInstrumentation, KoaLayerType } =
    require('@opentelemetry/instrumentation-koa') as typeof KoaInstrumentationModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => untraced.has((req.url ?? '').split('?')[0] ?? '') }),
    // Router layers only: a span per middleware would cost more than the run itself.
    new KoaInstrumentation({ ignoreLayersType: [KoaLayerType.MIDDLEWARE] }),
  ];
}
