import { EventEmitter, once } from 'node:events';
import { connect } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import request from 'supertest';
import { readJsonBody } from '../../src/http/body';
import { scratchServer } from '../support/scratchServer';

const LIMIT = 16;

/** An app that answers the body it read as {body}, or the error thrown as {status, message, code, aborted}. */
function bodyApp() {
  const thrown: { status: number; message: string; code?: string; aborted?: boolean }[] = [];
  const caught = new EventEmitter();
  const app = new Koa();
  app.silent = true; // a write to a socket the client closed fails; this app answers nobody then
  app.use(async (ctx) => {
    try {
      ctx.body = { body: (await readJsonBody(ctx, LIMIT)) ?? null };
    } catch (err) {
      const e = err as (typeof thrown)[number];
      thrown.push({
        status: e.status,
        message: e.message,
        ...(e.code ? { code: e.code } : {}),
        ...(e.aborted ? { aborted: e.aborted } : {}),
      });
      ctx.status = e.status;
      ctx.body = { message: e.message };
      caught.emit('error thrown');
    }
  });
  return { app, thrown, caught };
}

/** A raw connection to `app` on loopback; the app emits 'request' as each request reaches it. */
async function rawSocket(app: Koa) {
  const callback = app.callback();
  const server = await scratchServer((req, res) => {
    app.emit('request');
    void callback(req, res);
  });
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

describe('body: a small JSON body, read within its limit', () => {
  it('parses JSON up to the limit, and reads an empty body as none', async () => {
    const { app } = bodyApp();
    const exactly = JSON.stringify({ id: 'abcdefg' }); // 16 bytes
    expect(Buffer.byteLength(exactly)).to.equal(LIMIT);
    expect(
      (await request(app.callback()).post('/').set('Content-Type', 'application/json').send(exactly).expect(200)).body,
    ).to.deep.equal({ body: { id: 'abcdefg' } });
    expect((await request(app.callback()).post('/').expect(200)).body).to.deep.equal({ body: null });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const { app, thrown } = bodyApp();
    await request(app.callback()).post('/').set('Content-Type', 'application/json').send('{"id":').expect(400);
    expect(thrown).to.deep.equal([{ status: 400, message: 'the body is not valid JSON' }]);
  });

  it('refuses with 413 and Connection: close a body declared or sent past the limit', async () => {
    const { app, thrown } = bodyApp();
    const declared = await request(app.callback())
      .post('/')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ id: 'x'.repeat(LIMIT) }))
      .expect(413);
    expect(declared.headers.connection).to.equal('close');

    // Sent in chunks without a length: the limit holds while reading.
    const socket = await rawSocket(app);
    const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
    socket.write(
      `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk('{"id":"abcd')}${chunk('efghijklmnop"}')}0\r\n\r\n`,
    );
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    await once(socket, 'close');
    expect(answer).to.match(/^HTTP\/1\.1 413 /);
    expect(answer).to.match(/\r\nConnection: close\r\n/i);
    expect(thrown.map((t) => [t.status, t.message])).to.deep.equal([
      [413, `the body may be at most ${LIMIT} bytes`],
      [413, `the body may be at most ${LIMIT} bytes`],
    ]);
  });

  it('a client that stops sending mid-body is a 400 marked aborted, not a 500', async () => {
    const { app, thrown, caught } = bodyApp();
    const socket = await rawSocket(app);
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{"id"');
    await once(app, 'request');
    const errorThrown = once(caught, 'error thrown');
    socket.destroy();
    await errorThrown;
    expect(thrown).to.have.length(1);
    expect(thrown[0]).to.include({ status: 400, message: 'the request body was cut off', aborted: true });
    expect(thrown[0]!.code)
      .to.be.a('string')
      .and.match(/^E[A-Z_]+$/);
  });
});

describe('body: a declared length past the limit', () => {
  it('is refused before any of the body is read: no byte of it has to arrive', async () => {
    const { app, thrown } = bodyApp();
    const socket = await rawSocket(app);
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    await once(socket, 'close');
    expect(answer).to.match(/^HTTP\/1\.1 413 /);
    expect(thrown.map((t) => t.status)).to.deep.equal([413]);
  });
});
