import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/load';
import type { BackendConnection } from '../config/schema';
import { httpGet, parseJson } from './httpClient';

/** How to reach one backend: its base URL, the headers every request carries, a CA, a deadline. */
export interface Connection {
  readonly baseUrl: string;
  get(
    pathAndQuery: string,
    options: { signal: AbortSignal; maxBytes: number; accept?: readonly number[] },
  ): Promise<{ status: number; body: string }>;
  getJson<T>(
    pathAndQuery: string,
    options: { signal: AbortSignal; maxBytes: number; accept?: readonly number[] },
  ): Promise<{ status: number; body: T }>;
  readonly timeoutMs: number;
}

/** A backend reached with no tenant, credentials or CA, and a 5 s deadline (`verify.traces.queryUrl`). */
export const OPEN_CONNECTION: BackendConnection = {
  tenant: '',
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

/**
 * The tenant (X-Scope-OrgID, as Loki, Tempo and Mimir take it), bearer token or basic auth, and CA
 * file of one backend, read once at start. `key` names the config block in errors.
 */
export function connect(url: string, c: BackendConnection, key: string): Connection {
  const token = secret(c.auth.token, c.auth.tokenFile, `${key}.auth.token`);
  const password = secret(c.auth.password, c.auth.passwordFile, `${key}.auth.password`);
  let ca: Buffer | undefined;
  if (c.caFile) {
    try {
      ca = readFileSync(c.caFile);
    } catch (err) {
      throw new ConfigError(
        `config error: ${key}.caFile: cannot read ${c.caFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      );
    }
  }
  const headers: Record<string, string> = {
    ...(c.tenant ? { 'X-Scope-OrgID': c.tenant } : {}),
    ...(token
      ? { Authorization: `Bearer ${token}` }
      : c.auth.username
        ? { Authorization: `Basic ${Buffer.from(`${c.auth.username}:${password}`).toString('base64')}` }
        : {}),
  };
  const baseUrl = url.replace(/\/+$/, '');
  const get: Connection['get'] = (pathAndQuery, options) =>
    httpGet(`${baseUrl}${pathAndQuery}`, { ...options, headers, ...(ca ? { ca } : {}) });
  return {
    baseUrl,
    timeoutMs: c.timeout,
    get,
    async getJson<T>(pathAndQuery: string, options: Parameters<Connection['get']>[1]) {
      const { status, body } = await get(pathAndQuery, options);
      return { status, body: parseJson<T>(body) };
    },
  };
}
