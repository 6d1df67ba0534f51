import { TraceFlags, trace } from '@opentelemetry/api';
import type * as HttpInstrumentationModule from '@opentelemetry/instrumentation-http';
import type * as KoaInstrumentationModule from '@opentelemetry/instrumentation-koa';
import { NodeSDK, type resources, type tracing } from '@opentelemetry/sdk-node';
import { exemplarOf, type Exemplar } from '../vocabulary';

export interface RequestSpans {
  /** The current request's sampled span as exemplar labels. */
  currentExemplar(): Exemplar | undefined;
  shutdown(): Promise<void>;
}

export interface RequestSpansOptions {
  resource: resources.Resource;
  processor: tracing.SpanProcessor;
  untracedPaths: readonly string[];
}

/**
 * HTTP server and Koa router spans for every request, through the SDK's NodeSDK: its
 * instrumentations and async context, into the default pipeline's span processor. Off by default:
 * patching http and koa (and the async context they need) costs ~40 % of throughput
 * (bench/README.md), and the run span, the signal under test, does not need them. Start it before
 * koa is loaded: instrumentation patches modules as they are required.
 */
export function startRequestSpans(options: RequestSpansOptions): RequestSpans {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof HttpInstrumentationModule;
  const { KoaInstrumentation, KoaLayerType } =
    require('@opentelemetry/instrumentation-koa') as typeof KoaInstrumentationModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const untraced = new Set(options.untracedPaths);
  const sdk = new NodeSDK({
    resource: options.resource,
    autoDetectResources: false,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => untraced.has((req.url ?? '').split('?')[0] ?? ''),
      }),
      // Router layers only: a span per middleware would cost more than the run itself.
      new KoaInstrumentation({ ignoreLayersType: [KoaLayerType.MIDDLEWARE] }),
    ],
    spanProcessors: [options.processor],
    // Their defaults dial localhost:4318 and stall shutdown.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return {
    currentExemplar() {
      const ctx = trace.getActiveSpan()?.spanContext();
      return ctx && ctx.traceFlags & TraceFlags.SAMPLED ? exemplarOf(ctx) : undefined;
    },
    shutdown: () => sdk.shutdown().catch(() => undefined),
  };
}
