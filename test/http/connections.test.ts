import { EventEmitter, once } from 'node:events';
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { expect } from 'chai';
import { guardConnections } from '../../src/http/connections';
import { createRegistry } from '../../src/telemetry/metrics/registry';
import { METRIC } from '../../src/vocabulary';
import { releaseAfter } from '../support/cleanup';

async function guardedServer(o: {
  perClient: number;
  firstByteMs: number;
  answerAfterMs?: number;
  keepAliveMs?: number;
}) {
  const registry = createRegistry({ processMetrics: false });
  const server = createServer((_req, res) => {
    if (o.answerAfterMs) setTimeout(() => res.end('ok'), o.answerAfterMs);
    else res.end('ok');
  });
  if (o.keepAliveMs) server.keepAliveTimeout = o.keepAliveMs;
  guardConnections(server, { perClient: o.perClient, firstByteMs: o.firstByteMs, registry, listener: 'main' });
  // Registered after the guard's: when one of these fires, the guard has released that connection.
  const serverSide = new EventEmitter();
  server.on('connection', (socket: Socket) => socket.once('close', () => serverSide.emit('closed')));
  const closedOnServer = (n: number) =>
    new Promise<void>((resolve) => {
      let seen = 0;
      const count = () => {
        if ((seen += 1) < n) return;
        serverSide.off('closed', count);
        resolve();
      };
      serverSide.on('closed', count);
    });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  releaseAfter('guarded server', () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  const open = async (from = '127.0.0.1') => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: from });
    releaseAfter('client socket', () => socket.destroy());
    await once(socket, 'connect');
    return socket;
  };
  const refused = async (reason: string) =>
    (await registry.getSingleMetric(METRIC.connectionsRefused)!.get()).values.find((v) => v.labels.reason === reason)!
      .value;
  return { open, refused, closedOnServer };
}

/** One request on a connection the server kept: its status line, or "closed". */
async function answerOn(socket: Socket): Promise<string> {
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const answer = await Promise.race([once(socket, 'data'), once(socket, 'close').then(() => ['closed'])]);
  return String(answer[0]).split('\r\n')[0]!;
}

/** Whether the server closes the socket (an event, not a wait). */
const closedByServer = (socket: Socket) => once(socket, 'close').then(() => true);

describe('connections: what one client can hold of a listener', () => {
  it('past maxConnectionsPerClient a client is closed at once and counted; another address is still served', async () => {
    const { open, refused } = await guardedServer({ perClient: 3, firstByteMs: 0 });
    for (let i = 0; i < 3; i += 1) await open();
    const fourth = await open();
    expect(await closedByServer(fourth)).to.equal(true);
    expect(await refused('per_client')).to.equal(1);
    const other = await open('127.0.0.2'); // another client on this machine
    expect(await answerOn(other)).to.match(/^HTTP\/1\.1 200 OK/);
  });

  it('a connection that sends nothing is closed after firstByteTimeout and counted; one that sends a request is not', async () => {
    const { open, refused } = await guardedServer({ perClient: 10, firstByteMs: 100 });
    const idle = await open();
    const busy = await open();
    busy.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(busy, 'data');
    expect(await closedByServer(idle)).to.equal(true);
    expect(await refused('idle')).to.equal(1);
    expect(busy.destroyed).to.equal(false);
    // A later idle connection closes firstByteTimeout after its own start, so after busy's last byte
    // plus that time: busy, which has sent a request, is still served.
    expect(await closedByServer(await open())).to.equal(true);
    expect(await answerOn(busy)).to.equal('HTTP/1.1 200 OK');
    expect(await refused('idle')).to.equal(2);
  });

  it('a request slower than firstByteTimeout is answered; the keep-alive timeout after it is not counted as idle', async () => {
    const { open, refused } = await guardedServer({
      perClient: 10,
      firstByteMs: 100,
      answerAfterMs: 300,
      keepAliveMs: 200,
    });
    const slow = await open();
    expect(await answerOn(slow)).to.equal('HTTP/1.1 200 OK');
    expect(await closedByServer(slow), 'closed by the keep-alive timeout').to.equal(true);
    expect(await refused('idle')).to.equal(0);
  });

  it('both refusal counts are exported at 0 before the first refusal', async () => {
    const { refused } = await guardedServer({ perClient: 1, firstByteMs: 100 });
    expect([await refused('per_client'), await refused('idle')]).to.deep.equal([0, 0]);
  });

  it("a client's closed connections are given back: one closed of two lets one more in, both closed let two", async () => {
    const { open, refused, closedOnServer } = await guardedServer({ perClient: 2, firstByteMs: 0 });
    const [a, b] = [await open(), await open()];
    let gone = closedOnServer(1);
    a.destroy();
    await gone;
    const c = await open();
    expect(await answerOn(c), 'the place a gave back').to.equal('HTTP/1.1 200 OK');
    expect(await closedByServer(await open()), 'b and c hold both places').to.equal(true);
    expect(await refused('per_client')).to.equal(1);
    gone = closedOnServer(2);
    b.destroy();
    c.destroy();
    await gone;
    const [d, e] = [await open(), await open()];
    expect([await answerOn(d), await answerOn(e)]).to.deep.equal(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(await refused('per_client')).to.equal(1);
  });
});
