import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Counter } from 'prom-client';
import type { MetricsRegistry } from '../telemetry/metrics/registry';
import { METRIC } from '../vocabulary';
import { clientKey } from './access';

/** Sockets that have not sent a request yet. */
const waitingForFirst = new WeakSet<Socket>();

/**
 * What one client can hold of a listener: at most `perClient` connections from one address (an
 * IPv6 /64), and a connection that sends nothing is closed after `firstByteMs`, so a client holding
 * connections open cannot take the probes away from everyone else. Counted when refused.
 */
export function guardConnections(
  server: Server,
  limits: { perClient: number; firstByteMs: number; registry: MetricsRegistry; listener: string },
): void {
  const refused =
    (limits.registry.getSingleMetric(METRIC.connectionsRefused) as Counter<'listener' | 'reason'> | undefined) ??
    new Counter({
      name: METRIC.connectionsRefused,
      help: 'Connections closed at once (per_client: the client held too many) or for sending nothing in time (idle).',
      labelNames: ['listener', 'reason'] as const,
      registers: [limits.registry],
    });
  refused.inc({ listener: limits.listener, reason: 'per_client' }, 0);
  refused.inc({ listener: limits.listener, reason: 'idle' }, 0);
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const key = clientKey(socket.remoteAddress ?? '');
    const held = open.get(key) ?? 0;
    if (held >= limits.perClient) {
      refused.inc({ listener: limits.listener, reason: 'per_client' });
      return socket.destroy();
    }
    open.set(key, held + 1);
    socket.once('close', () => {
      const now = (open.get(key) ?? 1) - 1;
      if (now > 0) open.set(key, now);
      else open.delete(key);
    });
    if (limits.firstByteMs > 0) {
      waitingForFirst.add(socket);
      socket.setTimeout(limits.firstByteMs);
      socket.once('timeout', () => {
        if (waitingForFirst.has(socket)) refused.inc({ listener: limits.listener, reason: 'idle' });
      });
    }
  });
  // A request arrived: the connection is no longer idle; keep-alive and the request timeouts take over.
  server.on('request', (req) => {
    if (waitingForFirst.delete(req.socket)) req.socket.setTimeout(0);
  });
}
