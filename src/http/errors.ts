import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context, Middleware } from 'koa';
import type Router from '@koa/router';
import type winston from 'winston';
import { EVENT } from '../vocabulary';

export interface ErrorBody {
  error: { status: number; code: string; message: string };
}

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  421: 'misdirected_request',
  429: 'too_many_requests',
  431: 'request_header_fields_too_large',
  500: 'internal_error',
  503: 'service_unavailable',
};

export function errorBody(status: number, message: string): ErrorBody {
  return { error: { status, code: CODES[status] ?? 'error', message } };
}

/**
 * Every failure answers JSON. Client mistakes keep their 4xx; anything else is a 500 whose
 * details go to the log (never to the client, never with request text).
 */
export function answerError(ctx: Context, err: unknown, logger: winston.Logger): void {
  const e = err as {
    status?: unknown;
    expose?: unknown;
    name?: unknown;
    message?: unknown;
    headers?: unknown;
    code?: unknown;
    aborted?: unknown;
  };
  // A client's mistake keeps its 4xx, and so does our own refusal for overload (503): nothing else is told.
  const status =
    typeof e.status === 'number' && ((e.status >= 400 && e.status < 500) || e.status === 503) ? e.status : 500;
  // Headers that belong to the answer (Retry-After, X-RateLimit-*), set by middleware of ours.
  if (status !== 500 && typeof e.headers === 'object' && e.headers !== null)
    ctx.set(e.headers as Record<string, string>);
  const code = typeof e.code === 'string' && /^[A-Z_]{1,40}$/.test(e.code) ? { code: e.code } : {};
  if (status === 500)
    logger.error('request failed', { event: EVENT.httpError, error: String(e.name ?? 'Error'), ...code });
  if (e.aborted === true) logger.info('client stopped sending', { event: EVENT.clientAborted, ...code });
  ctx.status = status;
  // Only messages written in this code base are exposed (ctx.throw with a fixed text).
  const message = status !== 500 && e.expose === true && typeof e.message === 'string' ? e.message : undefined;
  ctx.body = errorBody(
    status,
    message ?? (status === 500 ? 'internal error; see the daemon log' : 'the request could not be understood'),
  );
}

/**
 * After the routes: 405 with Allow when the path exists under another method (in any router), else
 * 404. (The router's own allowedMethods answers 501 to unknown methods; a client must not get a 5xx.)
 */
export function notFound(routers: Router | readonly Router[]): Middleware {
  const all: readonly Router[] = Array.isArray(routers) ? routers : [routers as Router];
  return (ctx) => {
    if (ctx.status !== 404 || ctx.body !== undefined) return;
    const allowed = new Set(
      all.flatMap((router) => router.match(ctx.path, ctx.method).path.flatMap((layer) => layer.methods)),
    );
    if (allowed.size > 0) {
      ctx.status = 405;
      ctx.set('Allow', [...allowed].join(', '));
      ctx.body = errorBody(405, `method not allowed; use ${[...allowed].join(', ')}`);
      return;
    }
    ctx.status = 404;
    ctx.body = errorBody(404, 'no such route; GET / lists the routes');
  };
}

/** What Node's parser rejects before Koa sees it: the status Node would send, as JSON. */
const PARSE_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'request headers too large (16 KiB at most)'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request not received in time'],
};

/** The server's 'clientError' handler: malformed requests get a JSON 4xx too, then the connection closes. */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, message] = PARSE_ERRORS[err.code ?? ''] ?? [400, 'malformed HTTP request'];
  const body = JSON.stringify(errorBody(status, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
