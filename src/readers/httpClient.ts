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
  'throttled',
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
  throttled: 'throttled',
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
  /** The CA certificates (PEM) https answers are checked against. */
  readonly ca?: string | Buffer | readonly string[];
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
        ...(options.ca ? { ca: options.ca as string | Buffer | string[] } : {}),
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
  // A refusal is only quoted (a line of it), so no more of it is read than that needs.
  const refused = () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const retryAfter = failure === 'throttled' ? retryAfterOf(res) : '';
    fail(new HttpError(failure!, `HTTP ${status}${retryAfter}${body ? `: ${sanitize(body)}` : ''}`, status));
  };
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (failure && size > ERROR_BODY_BYTES) return refused();
    if (size > options.maxBytes)
      return fail(new HttpError('too_large', `answer is over the ${options.maxBytes}-byte cap`, status));
    chunks.push(chunk);
  });
  res.on('end', () => (failure ? refused() : resolve({ status, body: Buffer.concat(chunks).toString('utf8') })));
  res.on('error', () => fail(new HttpError('unreachable', 'the answer was cut off', status)));
}

/** How much of a refusal's body is read: enough for the line a verdict quotes. */
const ERROR_BODY_BYTES = 4096;

/** Retry-After as the store sent it (seconds or a date), printable and short. */
function retryAfterOf(res: IncomingMessage): string {
  const value = res.headers['retry-after'];
  return typeof value === 'string' && value ? ` (Retry-After ${sanitize(value, 40)})` : '';
}

function statusFailure(status: number, accept: readonly number[]): HttpFailure | undefined {
  if ((status >= 200 && status < 300) || accept.includes(status)) return undefined;
  if (status >= 300 && status < 400) return 'redirect';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  // Overload of the store (Loki's "too many outstanding requests", Tempo's "job queue full"), not a broken pipeline.
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server_error';
  return 'client_error';
}

/** What one parsed answer may build: objects, arrays and elements counted, and nesting. */
export interface JsonBounds {
  readonly maxValues: number;
  readonly maxDepth: number;
}

/** Far beyond any real answer the readers ask for (one trace, a few hundred lines, one sample), and
 * a few tens of MiB of heap at most: the byte cap alone lets 8 MiB become millions of objects. */
export const ANSWER_BOUNDS: JsonBounds = { maxValues: 200_000, maxDepth: 64 };

/**
 * JSON of an answer, or an HttpError('malformed'). The text is measured before it is parsed: past
 * `bounds` it is refused without building anything.
 */
export function parseJson<T>(body: string, bounds: JsonBounds = ANSWER_BOUNDS): T {
  const over = exceeds(body, bounds);
  if (over) throw new HttpError('malformed', `the answer is ${over}`);
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new HttpError('malformed', 'the answer is not JSON');
  }
}

/** One pass over the text outside its strings: containers and separators counted, depth tracked. */
function exceeds(text: string, bounds: JsonBounds): string | undefined {
  let values = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string: a backslash escapes the next character.
      for (i += 1; i < text.length; i += 1) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i += 1;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      values += 1;
      if (depth > bounds.maxDepth) return `nested deeper than ${bounds.maxDepth} levels`;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
    else if (c === 0x2c) values += 1;
    if (values > bounds.maxValues) return `more than ${bounds.maxValues} JSON values`;
  }
  return undefined;
}
