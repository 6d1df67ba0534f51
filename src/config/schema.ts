import { z } from 'zod';
import { parseByteSize, parseDuration, toBoolean, toNumber } from './units';

/** The shape of every key, with what each accepts; `load.ts` merges the layers and validates against it. */

function int(min: number, max: number) {
  const error = `an integer from ${min} to ${max}`;
  return z.preprocess(toNumber, z.number({ error }).int({ error }).min(min, { error }).max(max, { error }));
}
const bool = z.preprocess(toBoolean, z.boolean({ error: 'true or false' }));
const durationMs = (max: string) => {
  const error = `a duration such as "500ms", "10s" or "2m", at most ${max}`;
  return z.preprocess(
    parseDuration,
    z
      .number({ error })
      .int({ error })
      .min(0, { error })
      .max(Number(parseDuration(max)), { error }),
  );
};
const byteSize = (() => {
  const error = 'a size such as "512KiB", "100MiB" or "1GiB" (0: never)';
  return z.preprocess(parseByteSize, z.number({ error }).int({ error }).min(0, { error }));
})();
// Compared against the Authorization header; short secrets are guessable.
const tokenOrEmpty = z
  .string({ error: 'a token of at least 16 characters, or ""' })
  .refine((s) => s === '' || (s.length >= 16 && !/\s/.test(s)), {
    error: 'a token of at least 16 characters without spaces, or "" (no token)',
  });
// A list in a file, or comma-separated in an environment variable.
const hostList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, { error: 'host names such as smoke.example.com or 10.0.0.7' }), {
    error: 'a list of host names (comma-separated in the environment), or empty',
  }),
);
const batchSettings = z.strictObject({
  maxQueueSize: int(1, 1_000_000),
  maxExportBatchSize: int(1, 1_000_000),
  scheduledDelay: durationMs('10m'),
  exportTimeout: durationMs('10m'),
});
const text = z.string({ error: 'a non-empty string' }).trim().min(1, { error: 'a non-empty string' });
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `one of ${values.join(', ')}` });
const urlOrEmpty = z
  .string({ error: 'an http(s) URL or ""' })
  .refine((s) => s === '' || /^https?:\/\/[^\s/]+/.test(s), {
    error: 'an http(s) URL such as http://127.0.0.1:4318, or ""',
  });

// Label matchers only (no braces, no functions): the selector is pasted into a PromQL query.
const selectorOrEmpty = z
  .string({ error: 'label matchers such as job="petsage-smoke",instance="host:8080"' })
  .refine(
    (s) =>
      s === '' ||
      /^\s*[a-zA-Z_]\w*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*(,\s*[a-zA-Z_]\w*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*)*,?\s*$/.test(
        s,
      ),
    { error: 'label matchers such as job="petsage-smoke",instance="host:8080", or ""' },
  );

/** How to reach a backend a signal is read back from; secrets inline (from the environment) or as files. */
const backendConnection = z.strictObject({
  tenant: z.string({ error: 'a tenant id (X-Scope-OrgID), or ""' }),
  auth: z.strictObject({
    token: z.string({ error: 'a bearer token, or ""' }),
    tokenFile: z.string({ error: 'a path, or ""' }),
    username: z.string({ error: 'a user name for basic auth, or ""' }),
    password: z.string({ error: 'a password, or ""' }),
    passwordFile: z.string({ error: 'a path, or ""' }),
  }),
  caFile: z.string({ error: 'a path to PEM certificates, or ""' }),
  timeout: durationMs('10m'),
});
export type BackendConnection = z.output<typeof backendConnection>;

// A LogQL stream selector such as {service_name="petsage-smoke"}: matchers only, pasted into a query.
const streamSelector = z
  .string({ error: 'a LogQL stream selector such as {service_name="petsage-smoke"}' })
  .refine(
    (s) =>
      /^\{\s*[a-zA-Z_]\w*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*(,\s*[a-zA-Z_]\w*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*)*\}$/.test(
        s.trim(),
      ),
    { error: 'a LogQL stream selector such as {service_name="petsage-smoke"}' },
  );
const pathPrefix = z
  .string({ error: 'a path such as /prometheus, or ""' })
  .regex(/^(\/[\w.-]+)*$/, { error: 'a path such as /prometheus (Mimir), or ""' });

export const TRACE_EXPORTERS = ['auto', 'otlp', 'file', 'console', 'none'] as const;
export const LOG_EXPORTERS = ['auto', 'otlp', 'none'] as const;
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;

export const configSchema = z
  .strictObject({
    service: z.strictObject({ name: text }),
    server: z.strictObject({
      host: text,
      port: int(0, 65535),
      shutdownGracePeriod: durationMs('10m'),
      headersTimeout: durationMs('10m'),
      requestTimeout: durationMs('1h'),
      maxConnections: int(1, 1_000_000),
      trustProxyHops: int(0, 10),
      allowedHosts: hostList,
    }),
    log: z.strictObject({
      level: oneOf(['info', 'debug'] as const),
      file: z.strictObject({ enabled: bool, path: text, required: bool, maxSize: byteSize, maxFiles: int(1, 1000) }),
      stdout: z.strictObject({ enabled: bool }),
      otlp: z.strictObject({
        exporter: oneOf(LOG_EXPORTERS),
        endpoint: urlOrEmpty,
        logsEndpoint: urlOrEmpty,
        protocol: oneOf(OTLP_PROTOCOLS),
        batch: batchSettings,
      }),
    }),
    traces: z.strictObject({
      exporter: oneOf(TRACE_EXPORTERS),
      requestSpans: bool,
      file: z.strictObject({ path: text, maxSize: byteSize, maxFiles: int(1, 1000) }),
      otlp: z.strictObject({ endpoint: urlOrEmpty, tracesEndpoint: urlOrEmpty, protocol: oneOf(OTLP_PROTOCOLS) }),
      batch: batchSettings,
    }),
    metrics: z.strictObject({ processMetrics: bool }),
    auth: z.strictObject({ token: tokenOrEmpty, requireForRuns: bool }),
    rateLimit: z.strictObject({ max: int(0, 1_000_000), window: durationMs('1h') }),
    ledger: z.strictObject({ size: int(1, 1_000_000), apiSize: int(1, 1_000_000) }),
    legacyRoutes: z.strictObject({
      systemHealthz: z.strictObject({ enabled: bool, message: text }),
      v1SmokeTest: z.strictObject({ enabled: bool, message: text }),
      apiV1SmokeTest: z.strictObject({ enabled: bool, message: text }),
      smokeTestSlash: z.strictObject({ enabled: bool, message: text }),
      apiV1Health: z.strictObject({ enabled: bool }),
    }),
    schedule: z.strictObject({ interval: durationMs('24h') }),
    retention: z.strictObject({
      spotInterval: durationMs('24h'),
      horizon: durationMs('30d'),
      recheckInterval: durationMs('24h'),
    }),
    state: z.strictObject({
      path: z.string({ error: 'a file path, or "" (no state kept)' }),
      writeInterval: durationMs('1h'),
      maxRuns: int(1, 1_000_000),
    }),
    verify: z.strictObject({
      timeout: durationMs('1h'),
      pollInterval: durationMs('1m'),
      maxPending: int(1, 1_000_000),
      maxPendingApi: int(1, 1_000_000),
      log: z.strictObject({
        enabled: bool,
        loki: backendConnection.extend({
          url: urlOrEmpty,
          selector: streamSelector,
          match: oneOf(['metadata', 'line'] as const),
        }),
      }),
      traces: z.strictObject({
        enabled: bool,
        queryUrl: urlOrEmpty,
        tempo: backendConnection.extend({ url: urlOrEmpty, search: bool }),
        jaeger: backendConnection.extend({ url: urlOrEmpty }),
      }),
      metrics: backendConnection.extend({
        enabled: bool,
        prometheusUrl: urlOrEmpty,
        pathPrefix: pathPrefix,
        selector: selectorOrEmpty,
      }),
      health: z.strictObject({ staleAfterIntervals: int(1, 1000), failAfterRuns: int(1, 1000) }),
    }),
  })
  .superRefine((c, ctx) => {
    if (c.retention.spotInterval > 0 && c.retention.recheckInterval === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['retention', 'recheckInterval'],
        message: 'more than 0 while retention.spotInterval keeps runs to re-read',
      });
    }
    if (c.server.headersTimeout > c.server.requestTimeout) {
      ctx.addIssue({
        code: 'custom',
        path: ['server', 'headersTimeout'],
        message: `at most server.requestTimeout (${c.server.requestTimeout} ms): the headers are part of the request`,
      });
    }
    const traceStores = [c.verify.traces.queryUrl, c.verify.traces.tempo.url, c.verify.traces.jaeger.url].filter(
      Boolean,
    );
    if (traceStores.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['verify', 'traces', 'tempo', 'url'],
        message: 'one trace store: set only one of verify.traces.queryUrl, .tempo.url, .jaeger.url',
      });
    }
    if (c.auth.requireForRuns && !c.auth.token) {
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'requireForRuns'],
        message: 'false while auth.token is empty (there is no token to require)',
      });
    }
    if (!c.log.file.enabled && !c.log.stdout.enabled) {
      ctx.addIssue({
        code: 'custom',
        path: ['log', 'file', 'enabled'],
        message: 'true while log.stdout.enabled is false (a run needs somewhere to write its line)',
      });
    }
  });

type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K] };
export type Config = DeepReadonly<z.output<typeof configSchema>>;
