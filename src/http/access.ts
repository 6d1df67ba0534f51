import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP, isIPv6 } from 'node:net';
import type { Context, Middleware } from 'koa';
import type ratelimitOf from 'koa-ratelimit';

/**
 * Sent with every response. A smoke answer must never come from a cache (no-store), and
 * nothing here is meant to be framed, sniffed or loaded from another origin.
 */
export const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // The docs page loads its script and stylesheet from here; Swagger UI inlines styles and icons.
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `Authorization: Bearer <token>` (the scheme in any case, RFC 7235), compared in constant time
 * over digests, so neither the token nor its length leaks. Answers 401 with WWW-Authenticate otherwise.
 */
/** Whether a request carries the bearer token (compared in constant time). */
export function tokenCheck(token: string): (ctx: Context) => boolean {
  const expected = digest(token);
  return (ctx) => timingSafeEqual(digest(/^bearer +(\S+) *$/i.exec(ctx.get('Authorization'))?.[1] ?? ''), expected);
}

export function requireToken(token: string): Middleware {
  const hasToken = tokenCheck(token);
  return async (ctx, next) => {
    if (!hasToken(ctx)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="petsage-smoke"');
      return ctx.throw(401, 'this route needs "Authorization: Bearer <token>" (auth.token)');
    }
    await next();
  };
}

/**
 * The client a limit applies to: an IPv4 address (IPv4-mapped IPv6 written as IPv4), or an IPv6
 * /64, the block one host or home network is given, so one host cannot rotate through fresh budgets.
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1] as string;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** The loopback addresses: the same machine. */
export const isLoopback = (ip: string) => /^(127\.|::ffff:127\.)/i.test(ip) || ip === '::1';

/**
 * The address a request comes from. Behind trusted proxies (server.trustProxyHops) it is the entry of
 * X-Forwarded-For Koa picks, N hops from the right, read as an address: a port or brackets around it
 * are taken off (`10.9.9.9:1234`, `[2001:db8::1]:1`), and anything that is not an address leaves the
 * socket's. Never a fresh key per port, nor free text.
 */
export function clientIp(ctx: Context): string {
  const socket = ctx.req.socket.remoteAddress ?? '';
  if (!ctx.app.proxy) return socket;
  const entry = ctx.ip.trim();
  if (isIP(entry)) return entry;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry)?.[1];
  if (bracketed && isIP(bracketed)) return bracketed;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry)?.[1];
  if (v4 && isIP(v4)) return v4;
  return socket;
}

/** Clients remembered at most, so a spread of addresses cannot grow memory. */
export const MAX_CLIENTS = 100_000;

/**
 * koa-ratelimit's memory store, bounded: when full, every expired budget goes first, and only then
 * the oldest live one (a budget renewed at its reset moves to the end). A sweep that finds nothing
 * expired is not repeated before the earliest reset, so a flood of new clients costs no full scan each.
 */
export class ClientBudgets<V extends { reset: number }> extends Map<string, V> {
  private nothingExpiresBefore = 0;

  constructor(
    private readonly max = MAX_CLIENTS,
    private readonly nowSeconds = () => Date.now() / 1000,
  ) {
    super();
  }

  override set(key: string, value: V): this {
    this.delete(key);
    if (this.size >= this.max) this.makeRoom();
    return super.set(key, value);
  }

  private makeRoom(): void {
    const now = this.nowSeconds();
    if (now >= this.nothingExpiresBefore) {
      let earliest = Infinity;
      for (const [k, v] of this) {
        if (v.reset <= now) this.delete(k);
        else earliest = Math.min(earliest, v.reset);
      }
      this.nothingExpiresBefore = earliest;
    }
    if (this.size >= this.max) this.delete(this.keys().next().value as string);
  }
}

/**
 * At most `max` runs per client per `window` ms (koa-ratelimit, in memory), then 429 with
 * Retry-After and X-RateLimit-* headers: nobody can use the verification log to fill a disk. A
 * request with the token has a budget of its own: an anonymous flood from the same address cannot
 * spend a deploy gate's.
 */
export function limitRuns(
  settings: { readonly max: number; readonly window: number },
  hasToken: (ctx: Context) => boolean,
): Middleware {
  // Loaded only when a limit is set (rateLimit.max > 0).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ratelimit = require('koa-ratelimit') as typeof ratelimitOf; // CommonJS: the module is the function
  return ratelimit({
    driver: 'memory',
    db: new ClientBudgets(),
    id: (ctx) => `${hasToken(ctx) ? 'token ' : ''}${clientKey(clientIp(ctx))}`,
    duration: settings.window,
    max: settings.max,
    errorMessage: 'too many smoke runs from this address; see Retry-After',
    throw: true, // answered as JSON by the envelope (app.ts)
  });
}

/**
 * For every POST: a JSON body or none, and no cross-site caller. A browser sends a form or
 * text/plain body to any origin without asking first; refusing those, and any foreign Origin,
 * keeps a web page from starting runs or suspending the schedule through a visitor's browser.
 */
export function sameSiteJson(): Middleware {
  return async (ctx, next) => {
    const origin = ctx.get('Origin');
    if (origin && !sameOrigin(origin, ctx.host)) return ctx.throw(403, 'cross-origin requests are refused');
    const hasBody = Number(ctx.get('Content-Length') || 0) > 0 || ctx.get('Transfer-Encoding') !== '';
    const type = ctx.get('Content-Type');
    if ((hasBody || type) && type.split(';')[0]!.trim().toLowerCase() !== 'application/json')
      return ctx.throw(415, 'send the body as application/json (or no body)');
    await next();
  };
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** The name in a Host header, without its port or brackets. */
export const hostName = (host: string) => (/^\[([^\]]*)\]/.exec(host)?.[1] ?? host.replace(/:\d*$/, '')).toLowerCase();

/**
 * `server.allowedHosts`: a request for another Host (DNS rebinding, a wrong route) is refused. The
 * Host header itself is checked, never X-Forwarded-Host, which a client can set to anything.
 */
export function allowHosts(hosts: readonly string[]): Middleware {
  const allowed = new Set(hosts.map(hostName));
  return async (ctx, next) => {
    if (!allowed.has(hostName(ctx.req.headers.host ?? '')))
      return ctx.throw(421, 'this daemon does not serve that host name (server.allowedHosts)');
    await next();
  };
}

/**
 * The admin routes: with a token set, the token; without one, the daemon's own machine only, so a
 * page in a browser elsewhere (DNS rebinding) cannot suspend the schedule. Behind trusted proxies the
 * machine is the client they forward (every socket is then the proxy's, often on loopback).
 */
export function adminOnly(token: Middleware | undefined): Middleware {
  return async (ctx, next) => {
    if (token) return token(ctx, next);
    if (!isLoopback(clientIp(ctx)))
      return ctx.throw(403, 'the admin routes are open to this machine only while auth.token is unset');
    await next();
  };
}
