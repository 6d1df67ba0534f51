import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { releaseAfter } from '../cleanup';
import { fixture, fixtureBody, fixtureVars, type Fixture, type FixtureRun, type Store } from './fixtures';

/** How a stand-in behaves: the faults a test can switch on. */
export interface StoreBehaviour {
  /**
   * The store's multi-tenant mode: reads and writes must carry its tenant header, answered as the
   * store answers without one (Loki, Tempo: `X-Scope-OrgID`, 401 `no org id`; Jaeger: `x-tenant`
   * or `tenantHeader`, 401 `missing tenant header`). Off, the store has one tenant and ignores the
   * header, as the real ones do (Loki's `fake`, Tempo's `single-tenant`).
   */
  multiTenant?: boolean;
  /** Jaeger's `--multi-tenancy.header` (default `x-tenant`); Loki and Tempo always read X-Scope-OrgID. */
  tenantHeader?: string;
  /** Jaeger's `--multi-tenancy.tenants`: any other tenant is answered 401 `unknown tenant`. */
  tenants?: readonly string[];
  /** Reads must carry `Authorization: Bearer <token>` (a gateway in front of the store); 401 otherwise. */
  token?: string;
  /** Accepted records become visible to queries this many ms after they arrive. */
  delayMs?: number;
  /** Accept writes and keep nothing: a record that never arrives. */
  drop?: boolean;
  /** Writes get no answer at all (a hung collector) until this is turned off or the stand-in goes down. */
  hangWrites?: boolean;
  /** Reads are answered with this status and nothing else (a query frontend behind a load balancer, down). */
  readStatus?: number;
  /** Every read is answered with this manifest fixture, verbatim (`answerWith`). */
  answer?: { readonly fixture: Fixture; readonly vars: Record<string, string> };
}

export interface Stored<T> {
  readonly tenant: string;
  readonly visibleAt: number;
  readonly item: T;
}

/** How one store does tenancy. */
export interface Tenancy {
  /** The header it reads the tenant from. */
  readonly header: string;
  /** The fixture it answers a request without one with. */
  readonly missing: string;
  /** The fixture it answers a tenant it does not know with, if it checks. */
  readonly unknown?: string;
  /** The one tenant of its single-tenant mode. */
  readonly single: string;
  /** How it answers a write without a tenant, when not with `missing` (an OTLP receiver's Status). */
  readonly missingWrite?: (res: ServerResponse, contentType: string) => void;
}

export interface RouteContext<T> {
  readonly tenant: string;
  readonly body: Buffer;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  visible(): T[];
  store(items: T[]): void;
}

/** One request as a stand-in saw it: `tenant` is the tenant header's value as sent ('' when absent). */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly tenant: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * What every stand-in shares: a loopback HTTP server that can go down and come back on its port,
 * the store's tenancy, a bearer token, an ingestion delay, a store of what it was sent, and reads
 * answered with any one of the store's upstream fixtures.
 */
export async function standIn<T>(
  o: { store: Store; tenancy: Tenancy; behaviour: StoreBehaviour },
  route: (req: IncomingMessage, res: ServerResponse, ctx: RouteContext<T>) => void,
) {
  const { behaviour } = o;
  const stored: Stored<T>[] = [];
  const storedWaiters: { match: (item: T) => boolean; count: number; resolve: () => void }[] = [];
  const notify = () => {
    for (const w of [...storedWaiters]) {
      if (stored.filter((s) => w.match(s.item)).length < w.count) continue;
      storedWaiters.splice(storedWaiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const requests: SeenRequest[] = [];
  let server: Server | undefined;
  let port = 0;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const header = (behaviour.tenantHeader ?? o.tenancy.header).toLowerCase();
      const sent = String(req.headers[header] ?? '');
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const read = req.method === 'GET';
      requests.push({ method: req.method ?? '', url: url.pathname + url.search, tenant: sent, headers: req.headers });
      if (behaviour.token && read && req.headers.authorization !== `Bearer ${behaviour.token}`)
        return goText(res, 401, 'unauthorized');
      if (read && behaviour.answer) return answer(res, behaviour.answer.fixture, behaviour.answer.vars, o.store);
      if (behaviour.multiTenant && !sent) {
        if (!read && o.tenancy.missingWrite) return o.tenancy.missingWrite(res, String(req.headers['content-type']));
        return answer(res, fixture(o.store, o.tenancy.missing), {}, o.store);
      }
      if (behaviour.multiTenant && behaviour.tenants && o.tenancy.unknown && !behaviour.tenants.includes(sent))
        return answer(res, fixture(o.store, o.tenancy.unknown), {}, o.store);
      if (behaviour.hangWrites && req.method === 'POST') return; // never answered; closed by down()
      if (behaviour.readStatus && read) return goText(res, behaviour.readStatus, 'unavailable');
      const tenant = behaviour.multiTenant ? sent : o.tenancy.single;
      const now = Date.now();
      route(req, res, {
        tenant,
        body: Buffer.concat(chunks),
        url,
        headers: req.headers,
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
    /**
     * Every read is answered with this fixture of the store's manifest, verbatim, its placeholders
     * filled from `run` (or `vars`), until `answerNormally()`.
     */
    answerWith(name: string, run?: FixtureRun, vars: Record<string, string> = {}): Fixture {
      const f = fixture(o.store, name);
      behaviour.answer = { fixture: f, vars: { ...(run ? fixtureVars(run) : {}), ...vars } };
      return f;
    },
    /** Reads are answered from what was stored again. */
    answerNormally(): void {
      delete behaviour.answer;
    },
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

/** A fixture's status, headers and body, verbatim (placeholders filled). */
export function answer(res: ServerResponse, f: Fixture, vars: Record<string, string>, store: Store): void {
  const body = fixtureBody(store, f, vars);
  res.writeHead(f.status, { ...f.headers, 'content-length': Buffer.byteLength(body) }).end(body);
}

/** A JSON answer with the given content type. */
export function json(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) }).end(text);
}

/**
 * Go's `http.Error(w, msg, code)`, as Loki, Tempo and Jaeger write most errors: text/plain;
 * charset=utf-8, X-Content-Type-Options: nosniff, the message and a newline.
 */
export function goError(res: ServerResponse, status: number, message: string): void {
  const body = `${message}\n`;
  res
    .writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'content-length': Buffer.byteLength(body),
    })
    .end(body);
}

/**
 * A Go handler's `w.WriteHeader(code); w.Write(msg)` with no content type of its own: net/http
 * sniffs one from the body (text/plain; charset=utf-8 for text, none for an empty body).
 */
export function goText(res: ServerResponse, status: number, text: string): void {
  res
    .writeHead(status, {
      ...(text ? { 'content-type': 'text/plain; charset=utf-8' } : {}),
      'content-length': Buffer.byteLength(text),
    })
    .end(text);
}
