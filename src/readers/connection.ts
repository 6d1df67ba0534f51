import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { ConfigError } from '../config/load';
import type { BackendConnection } from '../config/schema';
import { shownUrl } from '../text';
import { deadlineSignal } from './deadline';
import { httpGet } from './httpClient';

/** How to reach one backend: its base URL, the headers every request carries, a CA, a deadline. */
export interface Connection {
  readonly baseUrl: string;
  /** The base URL as it may be printed (no credentials), with the tenant: in details and the start-up line. */
  readonly shown: string;
  /** One query, aborted at the backend's `timeout` or with `signal`. */
  get(
    pathAndQuery: string,
    options: { signal: AbortSignal; maxBytes: number; accept?: readonly number[] },
  ): Promise<{ status: number; body: string }>;
}

/** A backend reached with no tenant, credentials or CA, and a 5 s deadline (`verify.traces.queryUrl`). */
export const OPEN_CONNECTION: BackendConnection = {
  tenant: '',
  tenantHeader: 'X-Scope-OrgID',
  auth: { token: '', tokenFile: '', username: '', password: '', passwordFile: '' },
  caFile: '',
  timeout: 5000,
};

/** A secret given inline (from the environment) or as a file (a mounted Secret); never logged. */
function secret(inline: string, file: string, key: string): string {
  if (!file) return inline;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(
      `config error: ${key}File: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    );
  }
}

/** The CAs an https backend is checked against: Node's own roots, and the operator's file besides them. */
function trusted(caFile: string, key: string): string[] | undefined {
  if (!caFile) return undefined;
  try {
    return [...rootCertificates, readFileSync(caFile, 'utf8')];
  } catch (err) {
    throw new ConfigError(
      `config error: ${key}.caFile: cannot read ${caFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    );
  }
}

/**
 * The tenant (in the header that store reads it from), bearer token or basic auth, and CA file of one
 * backend, read once at start. `key` names the config block in errors.
 */
export function connect(url: string, c: BackendConnection, key: string): Connection {
  const token = secret(c.auth.token, c.auth.tokenFile, `${key}.auth.token`);
  const password = secret(c.auth.password, c.auth.passwordFile, `${key}.auth.password`);
  const ca = trusted(c.caFile, key);
  const basic = c.auth.username
    ? `Basic ${Buffer.from(`${c.auth.username}:${password}`).toString('base64')}`
    : undefined;
  const authorization = token ? `Bearer ${token}` : basic;
  const headers: Record<string, string> = {
    ...(c.tenant ? { [c.tenantHeader]: c.tenant } : {}),
    ...(authorization ? { Authorization: authorization } : {}),
  };
  const baseUrl = url.replace(/\/+$/, '');
  return {
    baseUrl,
    shown: `${shownUrl(baseUrl)}${c.tenant ? ` (${c.tenantHeader}: ${c.tenant})` : ''}`,
    // Each query within the backend's own timeout, and within the caller's signal.
    async get(pathAndQuery, options) {
      const deadline = deadlineSignal(c.timeout, options.signal);
      try {
        return await httpGet(`${baseUrl}${pathAndQuery}`, {
          ...options,
          signal: deadline.signal,
          headers,
          ...(ca ? { ca } : {}),
        });
      } finally {
        deadline.clear();
      }
    },
  };
}
