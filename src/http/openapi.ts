import { SIGNALS } from '../smoke/constants';
import { METRIC_NAME_PATTERN } from '../telemetry/exposition';
import { VERDICT_KINDS } from '../verify/types';
import type { ServiceInfo } from './routes/smokeTest';

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description: string, type = 'application/json') => ({ description, content: { [type]: { schema } } });
const error = (description: string) => json(ref('Error'), description);
const object = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', properties, required, additionalProperties: false });
const str = (description?: string, extra: Schema = {}): Schema => ({ type: 'string', ...(description ? { description } : {}), ...extra });

const emitStatus = object(
  { status: str(undefined, { enum: ['emitted', 'skipped', 'error'] }), reason: str(undefined, { enum: ['write_failed', 'dropped', 'sampled_out', 'disabled', 'emit_failed'] }) },
  ['status'],
);
const check = object(
  {
    componentId: str(),
    componentType: str(),
    status: str(undefined, { enum: ['pass', 'warn', 'fail'] }),
    observedValue: { type: 'number' },
    observedUnit: str(),
    outcome: str(undefined, { enum: ['verified', 'missing', 'error', 'skipped'] }),
    reason: str(undefined, { enum: [...new Set(VERDICT_KINDS.map(([, r]) => r))] }),
    output: str(),
    time: str(undefined, { format: 'date-time' }),
  },
  ['componentId', 'componentType', 'status'],
);
const checks = (suffixes: string[]) => object(Object.fromEntries(SIGNALS.flatMap((s) => suffixes.map((x) => [`${s}:${x}`, { type: 'array', items: ref('Check') }]))));

const SCHEMAS: Record<string, Schema> = {
  EmitStatus: emitStatus,
  Check: check,
  RunResponse: object({
    status: str('"ok", or "degraded" when a signal could not be emitted', { enum: ['ok', 'degraded'] }),
    feature: str(undefined, { const: 'smoke_test' }),
    message: str(),
    timestamp: str('UTC, ISO-8601 with milliseconds', { format: 'date-time' }),
    service: str(),
    version: str(),
    run_id: str('the trace id, or the caller-named id'),
    trace_id: str(undefined, { pattern: '^[0-9a-f]{32}$' }),
    span_id: str(undefined, { pattern: '^[0-9a-f]{16}$' }),
    seq: { type: 'integer', minimum: 1 },
    signals: object(Object.fromEntries(SIGNALS.map((s) => [s, ref('EmitStatus')]))),
  }),
  AcceptedRun: { allOf: [ref('RunResponse'), object({ receipt: str('path of the receipt') }, ['receipt'])] },
  Receipt: object({
    status: str(undefined, { enum: ['pass', 'warn', 'fail'] }),
    outcome: str(undefined, { enum: ['pending', 'verified', 'failed', 'timeout', 'unverified'] }),
    version: str(),
    serviceId: str(),
    description: str(),
    run_id: str(),
    trace_id: str(),
    span_id: str(),
    seq: { type: 'integer' },
    time: str(undefined, { format: 'date-time' }),
    checks: checks(['verification']),
    links: object({ self: str(), metrics: str(), health: str() }),
  }),
  Health: object({
    status: str(undefined, { enum: ['pass', 'warn', 'fail'] }),
    version: str(),
    serviceId: str(),
    description: str(),
    checks: checks(['emit', 'verification']),
  }),
  RunRequest: {
    type: 'object',
    additionalProperties: false,
    properties: { id: str('a caller-chosen run id, e.g. a deploy sha', { pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' }), wait: { type: 'boolean' } },
  },
  Error: object({ error: object({ status: { type: 'integer' }, code: str(), message: str() }) }),
  Probe: object({ status: str() }),
  Schedule: object({ schedule: str(undefined, { enum: ['running', 'suspended', 'stopped', 'disabled'] }) }),
  ServiceIndex: object({ service: str(), version: str(), description: str(), links: { type: 'object', additionalProperties: { type: 'string' } } }),
  LegacyHealth: object({ status: str(undefined, { const: 'ok' }), message: str() }),
  LegacyService: object({ status: str(undefined, { const: 'ok' }), service_name: str(), version: str() }),
};

const HEALTH_JSON = 'application/health+json';

// The token is optional (auth.token), so is the limit (rateLimit.max): `{}` allows no credentials.
const GUARDED = { security: [{ bearer: [] }, {}] };
const UNAUTHORIZED = { 401: error('auth.token is set and the bearer token is missing or wrong') };
const LIMITED = { 429: error('rateLimit exceeded for this client; see Retry-After') };

/** The API description, built from the same route table the app serves (aliases as configured). */
export function buildOpenApi(service: ServiceInfo, legacy: readonly { path: string; kind: 'health' | 'smoke' | 'service' }[]) {
  const paths: Record<string, Record<string, unknown>> = {
    '/': { get: { summary: 'Service name, version and links', responses: { 200: json(ref('ServiceIndex'), 'service index') } } },
    '/smoke-test': {
      get: { summary: 'Run one smoke test: one log line, one span, one counter increment', responses: { 200: json(ref('RunResponse'), 'the run'), ...LIMITED } },
      post: {
        summary: 'A caller-named run; with wait, the status code is the verdict',
        ...GUARDED,
        requestBody: { required: false, content: { 'application/json': { schema: ref('RunRequest') } } },
        responses: {
          200: json(ref('Receipt'), 'verified', HEALTH_JSON),
          202: json(ref('AcceptedRun'), 'started (no wait); Location: its receipt'),
          400: error('bad body'),
          409: error('the id was used already'),
          413: error('body too large'),
          415: error('not JSON'),
          ...UNAUTHORIZED,
          ...LIMITED,
          502: json(ref('Receipt'), 'a signal failed', HEALTH_JSON),
          503: json(ref('Receipt'), 'too many runs awaiting verification', HEALTH_JSON),
          504: json(ref('Receipt'), 'a signal is missing (timed out)', HEALTH_JSON),
        },
      },
    },
    '/smoke-test/{id}': {
      get: {
        summary: "A recent run's receipt: one check per signal",
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: json(ref('Receipt'), 'receipt', HEALTH_JSON), 400: error('malformed id'), 404: error('unknown id') },
      },
    },
    '/livez': { get: { summary: 'Liveness', responses: { 200: json(ref('Probe'), 'alive') } } },
    '/readyz': { get: { summary: 'Readiness; 503 once shutdown begins', responses: { 200: json(ref('Probe'), 'ready'), 503: json(ref('Probe'), 'shutting down') } } },
    '/healthz': {
      get: { summary: 'Per-signal emit and verification health', responses: { 200: json(ref('Health'), 'pass or warn', HEALTH_JSON), 503: json(ref('Health'), 'fail', HEALTH_JSON) } },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics; OpenMetrics with exemplars when asked',
        ...GUARDED,
        parameters: [
          { name: 'name', in: 'query', required: false, description: 'only these metric families (repeatable)', schema: { type: 'array', items: { type: 'string', pattern: METRIC_NAME_PATTERN.source } }, style: 'form', explode: true },
        ],
        responses: {
          200: { description: 'exposition', content: { 'text/plain': { schema: str() }, 'application/openmetrics-text': { schema: str() } } },
          400: error('a name that is not a metric name'),
          ...UNAUTHORIZED,
        },
      },
    },
    '/-/suspend': { post: { summary: 'Pause the schedule', ...GUARDED, responses: { 200: json(ref('Schedule'), 'schedule state'), ...UNAUTHORIZED } } },
    '/-/resume': { post: { summary: 'Resume the schedule', ...GUARDED, responses: { 200: json(ref('Schedule'), 'schedule state'), ...UNAUTHORIZED } } },
    '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } } } },
    '/docs': { get: { summary: 'API documentation page', responses: { 200: { description: 'HTML', content: { 'text/html': { schema: str() } } } } } },
    '/docs/{asset}': {
      get: {
        summary: "The docs page's scripts and styles",
        parameters: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: ['swagger-ui.css', 'swagger-ui-bundle.js', 'init.js'] } }],
        responses: { 200: { description: 'asset', content: { 'text/css': { schema: str() }, 'text/javascript': { schema: str() } } }, 404: error('unknown asset') },
      },
    },
  };
  const LEGACY_SCHEMA = { smoke: 'RunResponse', health: 'LegacyHealth', service: 'LegacyService' } as const;
  for (const route of legacy) {
    const responses = { 200: json(ref(LEGACY_SCHEMA[route.kind]), 'ok'), ...(route.kind === 'smoke' ? LIMITED : {}) };
    paths[route.path] = { get: { summary: `Earlier PetSage path (alias, ${route.kind})`, tags: ['legacy'], responses } };
  }
  return {
    openapi: '3.1.0',
    info: { title: service.name, version: service.version, description: 'Smoke runs that prove logs, metrics and traces flow end to end, under one run id.' },
    paths,
    components: { schemas: SCHEMAS, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Required only when auth.token is set' } } },
  };
}
