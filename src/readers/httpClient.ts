import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { sanitize } from '../text';
import type { VerifyReason } from '../vocabulary';
import { ReadError } from './types';

/** How an outbound request failed: a small fixed set, so it can become a verdict reason. */
export const HTTP_FAILURES = [
  'unreachable',
  'timeout',
  'unauthorized',
  'not_found',
  'server_error',
  'client_error',
  'redirect',
  'too_large',
  'malformed',
] as const;
export type HttpFailure = (typeof HTTP_FAILURES)[number];

/** The verdict reason each way of failing gives. */
const REASONS: Record<HttpFailure, VerifyReason> = {
  unreachable: 'unreachable',
  timeout: 'query_timeout',
  unauthorized: 'unauthorized',
  not_found: 'endpoint_not_found',
  server_error: 'server_error',
  client_error: 'bad_response',
  redirect: 'bad_response',
  too_large: 'bad_response',
  malformed: 'bad_response',
};

export class HttpError extends ReadError {
  override readonly name: string = 'HttpError';
  constructor(
    readonly kind: HttpFailure,
    message: string,
    readonly status?: number,
  ) {
    super(REASONS[kind], message);
  }
}

export interface HttpOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /** Answers past this are aborted while streaming: a hostile or broken backend cannot fill memory. */
  readonly maxBytes: number;
  /** Extra CA certificates (PEM) for https. */
  readonly ca?: string | Buffer;
  /** Statuses that are answers, not failures (404 for "not stored yet", say). */
  readonly accept?: readonly number[];
}

/**
 * One GET, bounded every way: a deadline (the signal), a byte cap, no redirects followed. Resolves
 * with the status and body for 2xx and `accept`ed statuses; otherwise rejects with an HttpError.
 * node:http rather than fetch: several times cheaper per request, and the cap applies while reading.
 */
export function httpGet(url: string, options: HttpOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const fail = (err: HttpError) => {
      req.destroy();
      reject(err);
    };
    const req = send(
      target,
      {
        method: 'GET',
        headers: { accept: 'application/json', ...options.headers },
        signal: options.signal,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => readBody(res, options, resolve, fail),
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (options.signal.aborted) return reject(new HttpError('timeout', `no answer from ${target.host} in time`));
      reject(new HttpError('unreachable', `cannot reach ${target.host}: ${err.code ?? sanitize(err.message)}`));
    });
    req.end();
  });
}

function readBody(
  res: IncomingMessage,
  options: HttpOptions,
  resolve: (v: { status: number; body: string }) => void,
  fail: (err: HttpError) => void,
): void {
  const status = res.statusCode ?? 0;
  const failure = statusFailure(status, options.accept ?? []);
  const declared = Number(res.headers['content-length'] ?? 0);
  if (declared > options.maxBytes)
    return fail(
      new HttpError('too_large', `answer of ${declared} bytes is over the ${options.maxBytes}-byte cap`, status),
    );
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > options.maxBytes)
      return fail(new HttpError('too_large', `answer is over the ${options.maxBytes}-byte cap`, status));
    chunks.push(chunk);
  });
  res.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (failure) return fail(new HttpError(failure, `HTTP ${status}${body ? `: ${sanitize(body)}` : ''}`, status));
    resolve({ status, body });
  });
  res.on('error', () => fail(new HttpError('unreachable', 'the answer was cut off', status)));
}

function statusFailure(status: number, accept: readonly number[]): HttpFailure | undefined {
  if ((status >= 200 && status < 300) || accept.includes(status)) return undefined;
  if (status >= 300 && status < 400) return 'redirect';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status >= 500) return 'server_error';
  return 'client_error';
}

/** JSON of an answer, or an HttpError('malformed'). */
export function parseJson<T>(body: string): T {
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new HttpError('malformed', 'the answer is not JSON');
  }
}
