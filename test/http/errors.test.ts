import type { Duplex } from 'node:stream';
import Router from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { answerClientError, answerError, errorBody, notFound } from '../../src/http/errors';
import { EVENT } from '../../src/vocabulary';
import { memoryLogger } from '../support/app';
import { koaContext } from '../support/koaContext';

/** A Koa context, and a logger whose lines the test reads. */
const contextAndLog = () => ({ ctx: koaContext(), ...memoryLogger() });

/** What answerClientError wrote to, or did with, a socket. */
function fakeSocket(writable = true) {
  const seen = { written: undefined as string | undefined, destroyed: false };
  const socket = {
    writable,
    end: (text: string) => (seen.written = text),
    destroy: () => (seen.destroyed = true),
  } as unknown as Duplex;
  return { socket, seen };
}

describe('errors: every failure answers JSON', () => {
  it('the error body names the status by a fixed code, and "error" for a status without one', () => {
    const codes = [400, 401, 403, 404, 405, 408, 409, 413, 415, 421, 429, 431, 500].map(
      (s) => errorBody(s, 'm').error.code,
    );
    expect(codes).to.deep.equal([
      'bad_request',
      'unauthorized',
      'forbidden',
      'not_found',
      'method_not_allowed',
      'request_timeout',
      'conflict',
      'payload_too_large',
      'unsupported_media_type',
      'misdirected_request',
      'too_many_requests',
      'request_header_fields_too_large',
      'internal_error',
    ]);
    expect(errorBody(418, 'short and stout')).to.deep.equal({
      error: { status: 418, code: 'error', message: 'short and stout' },
    });
  });

  describe('answerError', () => {
    it('a client mistake keeps its 4xx, its exposed message and its headers, and writes no log line', () => {
      const { ctx, logger, lines } = contextAndLog();
      answerError(
        ctx,
        Object.assign(new Error('rateLimit exceeded'), { status: 429, expose: true, headers: { 'Retry-After': '7' } }),
        logger,
      );
      expect(ctx.status).to.equal(429);
      expect(ctx.body).to.deep.equal(errorBody(429, 'rateLimit exceeded'));
      expect(ctx.response.get('Retry-After')).to.equal('7');
      expect(lines()).to.deep.equal([]);
    });

    it('both ends of the 4xx range stay client errors', () => {
      for (const status of [400, 499]) {
        const { ctx, logger, lines } = contextAndLog();
        answerError(ctx, { status, expose: true, message: 'told' }, logger);
        expect([ctx.status, ctx.body]).to.deep.equal([status, errorBody(status, 'told')]);
        expect(lines()).to.deep.equal([]);
      }
    });

    it('a message not marked to expose is replaced, so request text never reaches the client', () => {
      for (const err of [
        { status: 400, message: '<script>' },
        { status: 400, expose: 'yes', message: '<script>' },
        { status: 400, expose: true, message: 42 },
      ]) {
        const { ctx, logger } = contextAndLog();
        answerError(ctx, err, logger);
        expect(ctx.body).to.deep.equal(errorBody(400, 'the request could not be understood'));
      }
    });

    it('anything else is a 500 without its message or headers; the log gets its name and a well-formed code only', () => {
      const thrown: unknown[] = [
        Object.assign(new TypeError('secret token abc'), {
          expose: true,
          headers: { 'X-Leak': '1' },
          code: 'ERR_BAD_THING',
        }),
        { status: 500, name: 'RangeError', code: 'not a code!' },
        { status: 399 },
        { status: '404' },
        'a string',
      ];
      const logged: Record<string, unknown>[] = [];
      for (const err of thrown) {
        const { ctx, logger, lines } = contextAndLog();
        answerError(ctx, err, logger);
        expect(ctx.status).to.equal(500);
        expect(ctx.body).to.deep.equal(errorBody(500, 'internal error; see the daemon log'));
        expect(ctx.response.headers).not.to.have.property('x-leak');
        logged.push(...lines());
      }
      const line = (error: string, extra = {}) => ({
        level: 'error',
        message: 'request failed',
        event: EVENT.httpError,
        error,
        ...extra,
      });
      expect(logged).to.deep.equal([
        line('TypeError', { code: 'ERR_BAD_THING' }),
        line('RangeError'),
        line('Error'),
        line('Error'),
        line('Error'),
      ]);
    });

    it('a client that stopped sending is logged as such, with its code, besides its 4xx', () => {
      const { ctx, logger, lines } = contextAndLog();
      answerError(
        ctx,
        { status: 400, aborted: true, code: 'ECONNABORTED', expose: true, message: 'request aborted' },
        logger,
      );
      expect(ctx.status).to.equal(400);
      expect(lines()).to.deep.equal([
        { level: 'info', message: 'client stopped sending', event: EVENT.clientAborted, code: 'ECONNABORTED' },
      ]);
    });
  });

  describe('notFound', () => {
    const router = new Router();
    router.get('/runs', (ctx) => (ctx.body = 'ok'));
    router.post('/runs', (ctx) => (ctx.body = 'ok'));
    const app = new Koa();
    app.use(router.routes());
    app.use(async (ctx, next) => {
      if (ctx.path === '/answered') {
        ctx.status = 404;
        ctx.body = { mine: true };
      }
      if (ctx.path === '/empty') ctx.status = 204;
      await next();
    });
    app.use(notFound(router));
    const server = app.callback();

    it('a path served under other methods answers 405 naming them in Allow and in the message', async () => {
      const res = await request(server).delete('/runs').expect(405);
      expect(res.headers.allow).to.equal('HEAD, GET, POST');
      expect(res.body).to.deep.equal(errorBody(405, 'method not allowed; use HEAD, GET, POST'));
    });

    it('an unknown path answers a JSON 404 pointing at GET /', async () => {
      const res = await request(server).get('/nowhere').expect(404);
      expect(res.headers.allow).to.equal(undefined);
      expect(res.body).to.deep.equal(errorBody(404, 'no such route; GET / lists the routes'));
    });

    it('leaves alone an answer a route already gave: a 404 with a body, or another status', async () => {
      expect((await request(server).get('/answered').expect(404)).body).to.deep.equal({ mine: true });
      await request(server).get('/empty').expect(204);
    });
  });

  describe('answerClientError', () => {
    const answer = (code: string | undefined) => {
      const { socket, seen } = fakeSocket();
      answerClientError(Object.assign(new Error('parse'), code ? { code } : {}), socket);
      return seen;
    };

    it('answers what Node would, as JSON, then closes: 431 for oversized headers, 408 for a slow request, 400 otherwise', () => {
      const bodyOf = (status: number, message: string) => JSON.stringify(errorBody(status, message));
      const expected = (status: number, reason: string, message: string) =>
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(bodyOf(status, message))}\r\nConnection: close\r\n\r\n${bodyOf(status, message)}`;
      expect(answer('HPE_HEADER_OVERFLOW').written).to.equal(
        expected(431, 'Request Header Fields Too Large', 'request headers too large (16 KiB at most)'),
      );
      expect(answer('ERR_HTTP_REQUEST_TIMEOUT').written).to.equal(
        expected(408, 'Request Timeout', 'request not received in time'),
      );
      expect(answer('HPE_INVALID_METHOD').written).to.equal(expected(400, 'Bad Request', 'malformed HTTP request'));
      expect(answer(undefined).written).to.equal(expected(400, 'Bad Request', 'malformed HTTP request'));
    });

    it('a reset connection, or one that can no longer be written, is only destroyed', () => {
      expect(answer('ECONNRESET')).to.deep.equal({ written: undefined, destroyed: true });
      const { socket, seen } = fakeSocket(false);
      answerClientError(new Error('parse'), socket);
      expect(seen).to.deep.equal({ written: undefined, destroyed: true });
      expect(answer('HPE_INVALID_METHOD').destroyed).to.equal(false);
    });
  });
});

describe('errors: the edges of what is told', () => {
  it('a 5xx other than our own 503 is a 500; a code is logged only when the whole of it is well-formed', () => {
    const logged: Record<string, unknown>[] = [];
    for (const err of [
      { status: 502, code: 'lowerABC' },
      { status: 504, code: 'ABC-lower' },
      { status: 500, code: 'WELL_FORMED' },
    ]) {
      const { ctx, logger, lines } = contextAndLog();
      answerError(ctx, err, logger);
      expect(ctx.status, String(err.status)).to.equal(500);
      logged.push(...lines());
    }
    expect(logged.map((l) => l.code)).to.deep.equal([undefined, undefined, 'WELL_FORMED']);
  });
});
