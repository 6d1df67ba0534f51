import { z } from 'zod';
import * as k from './kinds';
import { env, key, section } from './kinds';
import { server } from './sections/server';
import { log, metrics, traces } from './sections/telemetry';
import { verify } from './sections/verify';
import { DEFAULT_PIPELINE, PIPELINE_NAME_PATTERN } from '../vocabulary';

/** Every key: what it accepts, its default, its environment variables and its help (see kinds.ts). */

export { LOG_EXPORTERS, OTLP_PROTOCOLS, TRACE_EXPORTERS } from './sections/telemetry';

const legacy = (path: string, variable: string, answer: string, message?: string) =>
  z.strictObject({
    enabled: key(k.bool(), { default: true, env: env(`ROUTE_${variable}`), help: `GET ${path} -> ${answer}` }),
    ...(message ? { message: key(k.text(), { default: message, help: 'the answer\'s "message"' }) } : {}),
  });
const schedule = z.strictObject({
  interval: key(k.durationMs('24h', 'zero allowed'), {
    default: '15s',
    env: env('INTERVAL'),
    help: 'a run every interval (trigger "schedule"); 0 disables',
  }),
});
const retention = section(
  z.strictObject({
    spotInterval: key(k.durationMs('24h', 'zero allowed'), {
      default: '15m',
      env: env('SPOT_INTERVAL'),
      help: 'keep one verified run per interval; 0 disables spot checks',
    }),
    horizon: key(k.durationMs('30d'), { default: '4h', env: env('RETENTION_HORIZON'), help: 'for this long' }),
    recheckInterval: key(k.durationMs('24h'), {
      default: '1m',
      env: env('RECHECK_INTERVAL'),
      help: 're-read them every interval (jittered)',
    }),
  }),
  'Spot checks: verified runs re-read hours later from every store that can be asked again; data lost after it was ingested shows as lost_after_ingest',
);

/** What a named pipeline may set: the keys that make a path; each defaults to the top-level one. */
export const pipelineSchema = z.strictObject({
  traces: traces.omit({ requestSpans: true }),
  log: z.strictObject({ otlp: log.shape.otlp }),
  metrics: z.strictObject({ otlp: metrics.shape.otlp }),
  verify,
  schedule,
  retention,
});
export type PipelineSettings = z.output<typeof pipelineSchema>;

/** At most this many pipelines: each is a value of the `pipeline` label on every series. */
export const MAX_PIPELINES = 16;

const VERIFIED = 'PetSage smoke test endpoint executed successfully. Logging verified.';

export const configSchema = z.strictObject({
  otel: z.strictObject({
    disabled: key(k.bool(), {
      default: false,
      env: env('OTEL_SDK_DISABLED'),
      help: 'true: no span and no log record is made (the OpenTelemetry SDK is off)',
    }),
  }),
  service: z.strictObject({
    name: key(k.text(), {
      default: 'petsage-smoke',
      env: env('OTEL_SERVICE_NAME'),
      help: 'service.name on spans; `service` in log lines and answers',
    }),
  }),
  server,
  log,
  traces,
  metrics,
  auth: section(
    z.strictObject({
      token: key(k.tokenOrEmpty(), { default: '', env: env('AUTH_TOKEN'), help: 'the token; "" = open', secret: true }),
      requireForRuns: key(k.bool(), {
        default: false,
        env: env('AUTH_REQUIRE_FOR_RUNS'),
        help: 'true: GET /smoke-test and its aliases need the token too',
      }),
      required: key(k.bool(), {
        default: false,
        env: env('AUTH_REQUIRED'),
        help: 'true: refuse to start without a token (config/production.yaml sets it)',
      }),
    }),
    'A bearer token for /metrics, run-triggering POSTs and the admin routes. Set it through the environment (PETSAGE_SMOKE_AUTH_TOKEN), not in a file under version control',
  ),
  rateLimit: section(
    z.strictObject({
      max: key(k.int(0, 1_000_000), {
        default: 60,
        env: env('RATE_LIMIT_MAX'),
        help: 'runs per client per window; 0 = no limit',
      }),
      window: key(k.durationMs('1h'), { default: '1m', env: env('RATE_LIMIT_WINDOW'), help: 'the window' }),
    }),
    'Runs per client address on the run-triggering routes, then 429 with Retry-After. A client is an IPv4 address or an IPv6 /64; requests with the token have budgets of their own',
  ),
  ledger: z.strictObject({
    size: key(k.int(1, 1_000_000), {
      default: 1000,
      env: env('LEDGER_SIZE'),
      help: 'receipts kept of GET and scheduled runs (GET /smoke-test/:id)',
    }),
    apiSize: key(k.int(1, 1_000_000), {
      default: 1000,
      env: env('LEDGER_API_SIZE'),
      help: 'receipts kept of POST runs (deploy gates): room of their own',
    }),
  }),
  legacyRoutes: section(
    z.strictObject({
      systemHealthz: legacy(
        '/system/healthz',
        'SYSTEM_HEALTHZ',
        '{"status":"ok","message":…}',
        'PetSage system is healthy.',
      ),
      v1SmokeTest: legacy(
        '/v1/smoke_test/',
        'V1_SMOKE_TEST',
        'a smoke run: {"status":"ok","feature":"smoke_test","message":…}',
        VERIFIED,
      ),
      apiV1SmokeTest: legacy(
        '/api/v1/smoke-test',
        'API_V1_SMOKE_TEST',
        'a smoke run: {"status":"ok","message":…,"timestamp":…}',
        VERIFIED,
      ),
      smokeTestSlash: legacy(
        '/smoke-test/',
        'SMOKE_TEST_SLASH',
        'a smoke run (and its INFO verification line)',
        VERIFIED,
      ),
      apiV1Health: legacy('/api/v1/health', 'API_V1_HEALTH', '{"status":"ok","service_name":…,"version":…}'),
    }),
    'Earlier PetSage paths, served as aliases; field names are the contract, messages are yours',
  ),
  schedule,
  retention,
  state: section(
    z.strictObject({
      path: key(z.string({ error: 'a file path, or "" (no state kept)' }), {
        default: './var/state/petsage-smoke.json',
        env: env('STATE_FILE'),
        help: '"" keeps no state',
      }),
      writeInterval: key(k.durationMs('1h'), {
        default: '10s',
        env: env('STATE_WRITE_INTERVAL'),
        help: 'written this often, and at shutdown',
      }),
      maxRuns: key(k.int(1, 1_000_000), {
        default: 101000,
        env: env('STATE_MAX_RUNS'),
        help: 'pending runs written at most (the newest)',
      }),
    }),
    'Runs awaiting verification and the spot-check runs survive a restart in this file, written by this daemon alone (a lock next to it)',
  ),
  verify,
  probe: section(
    z.strictObject({
      timeout: key(k.durationMs('10m'), {
        default: '10s',
        env: env('PROBE_TIMEOUT'),
        help: 'how long GET /probe waits for the verdict when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds',
      }),
      timeoutOffset: key(k.durationMs('1m', 'zero allowed'), {
        default: '500ms',
        env: env('PROBE_TIMEOUT_OFFSET'),
        help: "taken off the scrape's timeout, so the answer is sent before Prometheus gives up on it",
      }),
    }),
    'GET /probe?pipeline=<name>: one run that Prometheus drives and waits for, as it drives blackbox_exporter',
  ),
  pipelines: key(
    z
      .record(
        z.string(),
        z.record(z.string(), z.unknown(), {
          error: "a pipeline's settings: a mapping such as {verify: {log: {loki: {tenant: team-a}}}}",
        }),
        { error: 'a mapping of pipeline names to their settings' },
      )
      .superRefine((pipelines, ctx) => {
        const names = Object.keys(pipelines);
        for (const name of names) {
          if (name === DEFAULT_PIPELINE)
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: `another name: "${DEFAULT_PIPELINE}" is the top-level settings' own`,
            });
          else if (!PIPELINE_NAME_PATTERN.test(name))
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: 'a pipeline name of 1-32 lower-case letters, digits, _ and -, starting with a letter',
            });
        }
        if (names.length >= MAX_PIPELINES)
          ctx.addIssue({ code: 'custom', path: [], message: `at most ${MAX_PIPELINES - 1} named pipelines` });
      }),
    {
      default: {},
      help: 'named pipelines besides the top-level one ("default"): each a mapping of the traces, log.otlp, verify, schedule and retention keys it sets differently (see docs/pipelines.md)',
    },
  ),
});

type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K] };
/** The whole configuration, each named pipeline validated (load.ts) as the top-level keys are. */
export type Config = DeepReadonly<
  Omit<z.output<typeof configSchema>, 'pipelines'> & { pipelines: Record<string, PipelineSettings> }
>;

/** How one backend is reached, as every reader block spells it. */
export type BackendConnection = Pick<
  Config['verify']['log']['loki'],
  'tenant' | 'tenantHeader' | 'auth' | 'caFile' | 'timeout'
>;
