import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { releaseAfter } from '../cleanup';

/** How a stand-in behaves: the faults a test can switch on. */
export interface StoreBehaviour {
  /** Writes and reads must carry X-Scope-OrgID (Loki's and Tempo's multi-tenant mode); 401 otherwise. */
  multiTenant?: boolean;
  /** Reads must carry `Authorization: Bearer <token>`; 401 otherwise. */
  token?: string;
  /** Accepted records become visible to queries this many ms after they arrive. */
  delayMs?: number;
  /** Accept writes (200) and keep nothing: a record that never arrives. */
  drop?: boolean;
  /** Writes get no answer at all (a hung collector) until this is turned off or the stand-in goes down. */
  hangWrites?: boolean;
  /** Reads are answered with this status and nothing else (a query frontend behind a load balancer, down). */
  readStatus?: number;
}

export interface Stored<T> {
  readonly tenant: string;
  readonly visibleAt: number;
  readonly item: T;
}

/**
 * What every stand-in shares: a loopback HTTP server that can go down and come back on its port,
 * tenants, a bearer token, an ingestion delay, and a store of what it was sent.
 */
export async function standIn<T>(
  behaviour: StoreBehaviour,
  route: (
    req: IncomingMessage,
    res: ServerResponse,
    ctx: { tenant: string; body: Buffer; url: URL; visible: () => T[]; store: (items: T[]) => void },
  ) => void,
) {
  const stored: Stored<T>[] = [];
  const storedWaiters: { match: (item: T) => boolean; count: number; resolve: () => void }[] = [];
  const notify = () => {
    for (const w of [...storedWaiters]) {
      if (stored.filter((s) => w.match(s.item)).length < w.count) continue;
      storedWaiters.splice(storedWaiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const requests: { method: string; url: string; tenant: string }[] = [];
  let server: Server | undefined;
  let port = 0;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const tenant = String(req.headers['x-scope-orgid'] ?? '');
      const url = new URL(req.url ?? '/', 'http://stand-in');
      requests.push({ method: req.method ?? '', url: url.pathname + url.search, tenant });
      if (behaviour.multiTenant && !tenant) return json(res, 401, 'no org id');
      if (behaviour.token && req.method === 'GET' && req.headers.authorization !== `Bearer ${behaviour.token}`)
        return json(res, 401, 'unauthorized');
      if (behaviour.hangWrites && req.method === 'POST') return; // never answered; closed by down()
      if (behaviour.readStatus && req.method === 'GET') return json(res, behaviour.readStatus, 'unavailable');
      const now = Date.now();
      route(req, res, {
        tenant,
        body: Buffer.concat(chunks),
        url,
        visible: () => stored.filter((s) => s.tenant === tenant && s.visibleAt <= now).map((s) => s.item),
        store: (items) => {
          if (behaviour.drop) return;
          for (const item of items) stored.push({ tenant, visibleAt: now + (behaviour.delayMs ?? 0), item });
          notify();
        },
      });
    });
  };

  async function up(): Promise<void> {
    server = createServer(handle);
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  }
  /** Stops answering: connections are refused until `up()`. */
  async function down(): Promise<void> {
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  }
  await up();
  releaseAfter('stand-in', () => down());

  return {
    url: `http://127.0.0.1:${port}`,
    behaviour,
    stored,
    requests,
    up,
    /** Stops answering: connections are refused until `up()`. */
    down,
    /** Resolves once `count` stored items match (an event, not a poll). */
    waitForStored(match: (item: T) => boolean, count = 1): Promise<void> {
      return new Promise((resolve) => {
        storedWaiters.push({ match, count, resolve });
        notify();
      });
    },
    /** Forgets stored items that match: data lost after it was ingested. */
    forget(match: (item: T) => boolean): number {
      const before = stored.length;
      for (let i = stored.length - 1; i >= 0; i -= 1) if (match(stored[i]!.item)) stored.splice(i, 1);
      return before - stored.length;
    },
    close(): Promise<void> {
      return this.down();
    },
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' })
    .end(typeof body === 'string' ? body : JSON.stringify(body));
}

type Json = Record<string, unknown>;
export const asArray = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** OTLP/JSON key-value attributes as plain strings. */
export function attributes(list: unknown): Record<string, string> {
  return Object.fromEntries(
    asArray(list).map((a) => {
      const v = (a.value ?? {}) as Json;
      return [String(a.key), String(v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue ?? '')];
    }),
  );
}
