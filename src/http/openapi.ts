import { METRIC_NAME_PATTERN, RUN_ID_PATTERN } from '../vocabulary';
import { componentSchemas } from './schemas';
import { HEALTH_CONTENT_TYPE, type ServiceInfo } from './types';

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description: string, type = 'application/json') => ({
  description,
  content: { [type]: { schema } },
});
const error = (description: string) => json(ref('Error'), description);
const text = (types: readonly string[], description: string) => ({
  description,
  content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string' } }])),
});

// The token is optional (auth.token), so is the limit (rateLimit.max): `{}` allows no credentials.
const GUARDED = { security: [{ bearer: [] }, {}] };
const UNAUTHORIZED = { 401: error('auth.token is set and the bearer token is missing or wrong') };
const LIMITED = { 429: error('rateLimit exceeded for this client; see Retry-After') };

/** Names of the docs page's assets, served by routes/docs.ts. */
export const DOCS_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'init.js'] as const;
/** Names of the status page's assets, served by routes/status.ts. */
export const STATUS_ASSETS = ['status.css', 'status.js', 'favicon.svg'] as const;

/** The API description, built from the same route table the app serves (aliases as configured). */
export function buildOpenApi(
  service: ServiceInfo,
  legacy: readonly { path: string; kind: 'health' | 'smoke' | 'service' }[],
) {
  const paths: Record<string, Record<string, unknown>> = {
    '/': {
      get: {
        summary: 'Service name, version and links; the status page when the client prefers text/html (a browser)',
        responses: {
          200: {
            description: 'service index (JSON), or the status page (HTML)',
            content: {
              'application/json': { schema: ref('ServiceIndex') },
              'text/html': { schema: { type: 'string' } },
            },
          },
        },
      },
    },
    '/status': {
      get: {
        summary:
          'Status page: per-signal state, recent runs, lag; with auth.token set and not given, only what /healthz shows',
        responses: { 200: text(['text/html'], 'HTML') },
      },
    },
    '/status/{asset}': {
      get: {
        summary: "The status page's stylesheet, script and icon",
        parameters: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: STATUS_ASSETS } }],
        responses: {
          200: text(['text/css', 'text/javascript', 'image/svg+xml'], 'asset'),
          404: error('unknown asset'),
        },
      },
    },
    '/smoke-test': {
      get: {
        summary: 'Run one smoke test: one log line, one span, one counter increment',
        responses: { 200: json(ref('RunResponse'), 'the run'), ...LIMITED },
      },
      post: {
        summary: 'A caller-named run (trigger "api"); with wait, the status code is the verdict',
        ...GUARDED,
        requestBody: { required: false, content: { 'application/json': { schema: ref('RunRequest') } } },
        responses: {
          200: json(ref('Receipt'), 'verified', HEALTH_CONTENT_TYPE),
          202: json(ref('AcceptedRun'), 'started (no wait); Location: its receipt'),
          400: error('bad body'),
          409: error('the id was used already'),
          413: error('body too large'),
          415: error('not JSON'),
          ...UNAUTHORIZED,
          ...LIMITED,
          502: json(ref('Receipt'), 'a signal failed', HEALTH_CONTENT_TYPE),
          503: json(
            ref('Receipt'),
            'not read back (too many runs awaiting verification, or shutting down)',
            HEALTH_CONTENT_TYPE,
          ),
          504: json(ref('Receipt'), 'a signal is missing (timed out)', HEALTH_CONTENT_TYPE),
        },
      },
    },
    '/smoke-test/{id}': {
      get: {
        summary: "A recent run's receipt: one check per signal",
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: RUN_ID_PATTERN.source } },
        ],
        responses: {
          200: json(ref('Receipt'), 'receipt', HEALTH_CONTENT_TYPE),
          400: error('malformed id'),
          404: error('unknown id'),
        },
      },
    },
    '/livez': { get: { summary: 'Liveness', responses: { 200: json(ref('Probe'), 'alive') } } },
    '/readyz': {
      get: {
        summary: 'Readiness; 503 once shutdown begins',
        responses: { 200: json(ref('Probe'), 'ready'), 503: json(ref('Probe'), 'shutting down') },
      },
    },
    '/healthz': {
      get: {
        summary: 'Per-signal emit and verification health',
        responses: {
          200: json(ref('Health'), 'pass or warn', HEALTH_CONTENT_TYPE),
          503: json(ref('Health'), 'fail', HEALTH_CONTENT_TYPE),
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics; OpenMetrics with exemplars when asked',
        ...GUARDED,
        parameters: [
          {
            name: 'name',
            in: 'query',
            required: false,
            description: 'only these metric families (repeatable)',
            schema: { type: 'array', items: { type: 'string', pattern: METRIC_NAME_PATTERN.source } },
            style: 'form',
            explode: true,
          },
        ],
        responses: {
          200: text(['text/plain', 'application/openmetrics-text'], 'exposition'),
          400: error('a name that is not a metric name'),
          ...UNAUTHORIZED,
        },
      },
    },
    '/-/suspend': {
      post: {
        summary: 'Pause the schedule',
        ...GUARDED,
        responses: { 200: json(ref('Schedule'), 'schedule state'), ...UNAUTHORIZED },
      },
    },
    '/-/resume': {
      post: {
        summary: 'Resume the schedule',
        ...GUARDED,
        responses: { 200: json(ref('Schedule'), 'schedule state'), ...UNAUTHORIZED },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document',
        responses: {
          200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
    },
    '/docs': { get: { summary: 'API documentation page', responses: { 200: text(['text/html'], 'HTML') } } },
    '/docs/{asset}': {
      get: {
        summary: "The docs page's scripts and styles",
        parameters: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: DOCS_ASSETS } }],
        responses: { 200: text(['text/css', 'text/javascript'], 'asset'), 404: error('unknown asset') },
      },
    },
  };
  const LEGACY_SCHEMA = { smoke: 'RunResponse', health: 'LegacyHealth', service: 'LegacyService' } as const;
  for (const route of legacy) {
    const responses = { 200: json(ref(LEGACY_SCHEMA[route.kind]), 'ok'), ...(route.kind === 'smoke' ? LIMITED : {}) };
    paths[route.path] = {
      get: { summary: `Earlier PetSage path (alias, ${route.kind})`, tags: ['legacy'], responses },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: service.name,
      version: service.version,
      description: 'Smoke runs that prove logs, metrics and traces flow end to end, under one run id.',
    },
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Required only when auth.token is set' },
      },
    },
  };
}
