import { createHash, timingSafeEqual } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { Context, Middleware } from 'koa';
import ratelimit from 'koa-ratelimit';

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
 * Retry-After and X-RateLimit-* headers: nobody can use the verification log to fill a disk.
 */
export function limitRuns(settings: { readonly max: number; readonly window: number }): Middleware {
  return ratelimit({
    driver: 'memory',
    db: new ClientBudgets(),
    id: (ctx) => clientKey(ctx.ip),
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

/** `server.allowedHosts`: a request for another Host (DNS rebinding, a wrong route) is refused. */
export function allowHosts(hosts: readonly string[]): Middleware {
  const allowed = new Set(hosts.map((h) => h.toLowerCase()));
  return async (ctx, next) => {
    if (!allowed.has(ctx.hostname.toLowerCase()))
      return ctx.throw(421, 'this daemon does not serve that host name (server.allowedHosts)');
    await next();
  };
}
