import { connect, type Socket } from 'node:net';
import { releaseAfter } from './cleanup';

/**
 * Clients that open TCP connections and send nothing, spread over `addresses` (loopback addresses
 * they connect from, round robin): the held connections of issue 33. With `reconnect`, each
 * connection the server closes is opened again (after `reconnectDelayMs`), as an attacker keeping
 * them held would. Resolves once every first attempt has connected or failed.
 */
export async function holdConnections(o: {
  host: string;
  port: number;
  count: number;
  addresses: readonly string[];
  reconnect?: boolean;
  reconnectDelayMs?: number;
}) {
  const sockets = new Set<Socket>();
  let stopped = false;
  const stats = { attempts: 0, connected: 0, failed: 0, closedWithin200ms: 0, closedLater: 0, longestHeldMs: 0 };
  let pendingFirst = o.count;
  let allFirst: () => void = () => {};
  const firstDone = new Promise<void>((resolve) => (allFirst = resolve));
  const timers = new Set<NodeJS.Timeout>();

  const open = (slot: number, first: boolean) => {
    if (stopped) return;
    stats.attempts += 1;
    const socket = connect({ host: o.host, port: o.port, localAddress: o.addresses[slot % o.addresses.length] });
    sockets.add(socket);
    let connectedAt: number | undefined;
    const settleFirst = () => {
      if (!first) return;
      first = false;
      if ((pendingFirst -= 1) === 0) allFirst();
    };
    socket.on('connect', () => {
      connectedAt = performance.now();
      stats.connected += 1;
      settleFirst();
    });
    socket.on('error', () => {}); // resets are what is measured, through 'close'
    socket.on('close', () => {
      sockets.delete(socket);
      if (connectedAt === undefined) stats.failed += 1;
      else {
        const held = performance.now() - connectedAt;
        stats.longestHeldMs = Math.max(stats.longestHeldMs, held);
        if (held < 200) stats.closedWithin200ms += 1;
        else stats.closedLater += 1;
      }
      settleFirst();
      if (o.reconnect && !stopped) {
        const timer = setTimeout(() => (timers.delete(timer), open(slot, false)), o.reconnectDelayMs ?? 50);
        timers.add(timer);
      }
    });
  };
  for (let i = 0; i < o.count; i += 1) open(i, true);
  const stop = async () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    const closing = [...sockets].map((s) => new Promise((resolve) => s.once('close', resolve)));
    for (const s of sockets) s.destroy();
    await Promise.all(closing);
  };
  releaseAfter('held connections', stop);
  await firstDone;
  return {
    stats,
    /** Connections open now. */
    get open() {
      return [...sockets].filter((s) => !s.connecting && !s.destroyed).length;
    },
    stop,
  };
}
