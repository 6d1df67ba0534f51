import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
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
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `Authorization: Bearer <token>`, compared in constant time (over digests, so the length of
 * the token does not leak either). Answers 401 with WWW-Authenticate otherwise.
 */
export function requireToken(token: string): Middleware {
  const expected = digest(`Bearer ${token}`);
  return async (ctx, next) => {
    const given = ctx.get('Authorization');
    if (!timingSafeEqual(digest(given), expected)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="petsage-smoke"');
      return ctx.throw(401, 'this route needs "Authorization: Bearer <token>" (auth.token)');
    }
    await next();
  };
}

/** Clients remembered at most; the oldest is forgotten first, so a spread of addresses cannot grow memory. */
const MAX_CLIENTS = 10_000;

class BoundedMap<K, V> extends Map<K, V> {
  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= MAX_CLIENTS) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}

/**
 * At most `max` runs per client address per `window` ms (koa-ratelimit, in memory), then 429 with
 * Retry-After and X-RateLimit-* headers: nobody can use the verification log to fill a disk.
 */
export function limitRuns(settings: { readonly max: number; readonly window: number }): Middleware {
  return ratelimit({
    driver: 'memory',
    db: new BoundedMap(),
    duration: settings.window,
    max: settings.max,
    errorMessage: 'too many smoke runs from this address; see Retry-After',
    throw: true, // answered as JSON by the envelope (app.ts)
  });
}
