import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { expect } from 'chai';
import { guardConnections } from '../../src/http/connections';
import { createRegistry } from '../../src/telemetry/metrics/registry';
import { METRIC } from '../../src/vocabulary';
import { releaseAfter } from '../support/cleanup';

async function guardedServer(o: { perClient: number; firstByteMs: number }) {
  const registry = createRegistry({ processMetrics: false });
  const server = createServer((_req, res) => res.end('ok'));
  guardConnections(server, { ...o, registry, listener: 'main' });
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
  return { open, refused };
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
    other.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const [answer] = (await once(other, 'data')) as [Buffer];
    expect(answer.toString()).to.match(/^HTTP\/1\.1 200 OK/);
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
  });
});
