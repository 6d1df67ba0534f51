import { PIPELINE_NAME_PATTERN } from '../vocabulary';
import type * as Schemas from './schemas';
import type { OpenApiPaths, ServiceInfo } from './types';

type Schema = Record<string, unknown>;
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: Schema, description: string, type = 'application/json') => ({
  description,
  content: { [type]: { schema } },
});
export const error = (description: string) => json(ref('Error'), description);
export const text = (types: readonly string[], description: string) => ({
  description,
  content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string' } }])),
});

// The token is optional (auth.token), so is the limit (rateLimit.max): `{}` allows no credentials.
export const GUARDED = { security: [{ bearer: [] }, {}] };
export const UNAUTHORIZED = { 401: error('auth.token is set and the bearer token is missing or wrong') };
export const LIMITED = { 429: error('rateLimit exceeded for this client; see Retry-After') };
export const SHED = {
  503: error('the log or span pipeline has fallen behind: anonymous runs are refused for now; see Retry-After'),
};

/** `?pipeline=<name>`: which pipeline a run proves. */
export const PIPELINE_PARAMETER = {
  name: 'pipeline',
  in: 'query',
  required: false,
  description: 'the pipeline to prove (see /healthz); the first one ("default") when not given',
  schema: { type: 'string', pattern: PIPELINE_NAME_PATTERN.source },
};

/** The API description: every route module's paths, in the order the app registers them. */
export function buildOpenApi(service: ServiceInfo, paths: OpenApiPaths) {
  const { componentSchemas } = requestSchemas();
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

let schemas: typeof Schemas | undefined;
/** The API's schemas (zod), built when first needed (a POST, a receipt, this document): a GET run and
 * the probes never need them, so the daemon does not start with them. */
export function requestSchemas(): typeof Schemas {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (schemas ??= require('./schemas') as typeof Schemas);
}
