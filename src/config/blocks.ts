import { z } from 'zod';
import { anyText, durationMs, int, key } from './kinds';

/** The batch processor of a span or log-record pipeline, under its OTEL_* names (`BSP` or `BLRP`). */
export function batchSettings(prefix: 'OTEL_BSP' | 'OTEL_BLRP', what: 'spans' | 'records') {
  return z.strictObject({
    maxQueueSize: key(int(1, 1_000_000), {
      default: 2048,
      env: [`${prefix}_MAX_QUEUE_SIZE`],
      help: `${what} beyond this are dropped and counted`,
    }),
    maxExportBatchSize: key(int(1, 1_000_000), {
      default: 512,
      env: [`${prefix}_MAX_EXPORT_BATCH_SIZE`],
      help: `${what} per export`,
    }),
    scheduledDelay: key(durationMs('10m'), {
      default: '1s',
      env: [`${prefix}_SCHEDULE_DELAY`],
      help: 'time between exports',
    }),
    exportTimeout: key(durationMs('10m'), {
      default: '5s',
      env: [`${prefix}_EXPORT_TIMEOUT`],
      help: 'one export may take this long; below server.shutdownGracePeriod, so a dead collector cannot stall shutdown',
    }),
  });
}

/** Where a store reads the tenant from: Loki, Tempo and Mimir X-Scope-OrgID; Jaeger x-tenant (its --multi-tenancy.header). */
export const TENANT_HEADERS = {
  loki: 'X-Scope-OrgID',
  tempo: 'X-Scope-OrgID',
  jaeger: 'x-tenant',
  prometheus: 'X-Scope-OrgID',
} as const;

/**
 * How to reach a backend a signal is read back from: tenant, credentials (inline from the
 * environment, or as files), CA, deadline. `env` is the store's part of each variable name
 * (PETSAGE_SMOKE_<env>_TENANT, ...).
 */
export function backendConnection(store: keyof typeof TENANT_HEADERS, env: string) {
  const v = (name: string) => [`PETSAGE_SMOKE_${env}_${name}`];
  const header = TENANT_HEADERS[store];
  return {
    tenant: key(anyText('a tenant id, or ""'), {
      default: '',
      env: v('TENANT'),
      help: `tenant sent in ${header}; "" = none`,
    }),
    tenantHeader: key(z.string().regex(/^[A-Za-z0-9-]+$/, { error: 'an HTTP header name such as X-Scope-OrgID' }), {
      default: header,
      env: v('TENANT_HEADER'),
      help: `the header that carries the tenant (${header} for ${store})`,
    }),
    auth: z.strictObject({
      token: key(anyText('a bearer token, or ""'), {
        default: '',
        env: v('TOKEN'),
        help: 'bearer token',
        secret: true,
      }),
      tokenFile: key(anyText('a path, or ""'), {
        default: '',
        env: v('TOKEN_FILE'),
        help: 'bearer token, read from this file',
      }),
      username: key(anyText('a user name for basic auth, or ""'), {
        default: '',
        env: v('USERNAME'),
        help: 'basic auth user',
      }),
      password: key(anyText('a password, or ""'), {
        default: '',
        env: v('PASSWORD'),
        help: 'basic auth password',
        secret: true,
      }),
      passwordFile: key(anyText('a path, or ""'), {
        default: '',
        env: v('PASSWORD_FILE'),
        help: 'basic auth password, from this file',
      }),
    }),
    caFile: key(anyText('a path to PEM certificates, or ""'), {
      default: '',
      env: v('CA_FILE'),
      help: "PEM certificates to trust for https, besides Node's own roots",
    }),
    timeout: key(durationMs('10m'), { default: '5s', env: v('TIMEOUT'), help: "one query's time limit" }),
  };
}
