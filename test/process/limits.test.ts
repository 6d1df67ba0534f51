import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { expect } from 'chai';
import { EVENT } from '../../src/vocabulary';
import { spawnDaemon, type SpawnedDaemon } from '../support/daemon';

/** A raw connection to the daemon, collecting whatever it answers until it closes. */
async function rawConnection(daemon: SpawnedDaemon) {
  const { hostname, port } = new URL(daemon.url);
  const socket: Socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  socket.on('error', () => {}); // writes after the daemon closed (EPIPE, ECONNRESET): expected here
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(answer)));
  return { socket, closed };
}

const LIMITS = {
  PETSAGE_SMOKE_HEADERS_TIMEOUT: '1s',
  PETSAGE_SMOKE_REQUEST_TIMEOUT: '2s',
  PETSAGE_SMOKE_INTERVAL: '0',
};

describe('daemon process: server limits', function () {
  // Node's own defaults hold a slow client for 60 s (headers) and 300 s (request): far past this.
  this.timeout(20_000);
  let daemon: SpawnedDaemon;
  before(async () => {
    daemon = await spawnDaemon({ env: { ...LIMITS, PETSAGE_SMOKE_MAX_CONNECTIONS: '20' } });
  });
  after(async () => {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  });

  it('headers that never finish: the connection is answered 408 JSON and closed at server.headersTimeout', async () => {
    const { socket, closed } = await rawConnection(daemon);
    socket.write('GET /smoke-test HTTP/1.1\r\nHost: x\r\n');
    const answer = await closed;
    expect(answer).to.match(/^HTTP\/1\.1 408 /);
    expect(answer).to.include('"code":"request_timeout"');
  });

  it('a body that drips a byte at a time: cut off at server.requestTimeout, no run started', async () => {
    const { socket, closed } = await rawConnection(daemon);
    socket.write(
      'POST /smoke-test HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    const drip = setInterval(() => socket.writable && socket.write(' '), 200);
    try {
      await closed;
    } finally {
      clearInterval(drip);
    }
    expect(daemon.stdout.filter((l) => l.includes(`"event":"${EVENT.verification}"`))).to.have.length(0);
  });

  it('a declared 100 MB body: 413 at once, and the socket is closed rather than read to the end', async () => {
    const { socket, closed } = await rawConnection(daemon);
    const size = 100 * 2 ** 20;
    socket.write(
      `POST /smoke-test HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let written = 0;
    let open = true;
    void closed.then(() => (open = false));
    while (open && written < size) {
      written += chunk.length;
      if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
    }
    const answer = await closed;
    expect(answer).to.match(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).to.include('connection: close');
    expect(written, 'bytes sent before the daemon closed the socket').to.be.below(size);
  });

  it('a body sent in chunks past 4 KiB: 413, the socket closed, and the daemon still serving', async () => {
    const { socket, closed } = await rawConnection(daemon);
    const chunk = `1000\r\n${' '.repeat(0x1000)}\r\n`;
    socket.write(
      `POST /smoke-test HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}0\r\n\r\n`,
    );
    const answer = await closed;
    expect(answer).to.match(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).to.include('connection: close');
    const res = await fetch(`${daemon.url}/livez`);
    expect(res.status).to.equal(200);
  });

  it('a client that stops mid-body is a client error: logged with its code, never a 500', async () => {
    const { socket } = await rawConnection(daemon);
    // "Expect: 100-continue": the daemon answers 100 once it has the request, so the client stops
    // mid-body only after the daemon has begun to read it.
    const continued = new Promise((resolve) =>
      socket.on('data', (chunk: Buffer) => chunk.toString().startsWith('HTTP/1.1 100 ') && resolve(undefined)),
    );
    socket.write(
      'POST /smoke-test HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n',
    );
    await continued;
    socket.write('{"id":');
    socket.destroy();
    const line = await daemon.waitForEvent(EVENT.clientAborted);
    expect(line).to.include({ level: 'info' });
    expect(line.code).to.match(/^[A-Z_]+$/);
    expect(daemon.stdout.some((l) => l.includes(`"event":"${EVENT.httpError}"`))).to.equal(false);
  });

  it('server.maxConnections: a connection past the cap is closed at once; the others are served', async () => {
    const held = await Promise.all(Array.from({ length: 20 }, () => rawConnection(daemon)));
    const extra = await rawConnection(daemon);
    expect(await extra.closed).to.equal('');
    const [first, ...rest] = held;
    first!.socket.write('GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(await first!.closed).to.match(/^HTTP\/1\.1 200 /);
    for (const { socket } of rest) socket.destroy();
  });
});
