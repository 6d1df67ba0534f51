import { z } from 'zod';
import * as k from '../kinds';
import { env, key, section } from '../kinds';

/** Listening, timeouts and the limits of what a client can hold. */
export const server = z.strictObject({
  host: key(k.text(), { default: '127.0.0.1', env: env('HOST'), help: 'listen address' }),
  port: key(k.int(0, 65535), {
    default: 8080,
    env: env('PORT'),
    help: 'listen port; 0 picks a free one (printed in the "listening" line)',
  }),
  shutdownGracePeriod: key(k.durationMs('10m'), {
    default: '10s',
    env: env('SHUTDOWN_GRACE_PERIOD'),
    help: 'SIGTERM/SIGINT: drain within this, else exit 1',
  }),
  headersTimeout: key(k.durationMs('10m'), {
    default: '10s',
    env: env('HEADERS_TIMEOUT'),
    help: 'a client must send its request headers within this',
  }),
  requestTimeout: key(k.durationMs('1h'), {
    default: '30s',
    env: env('REQUEST_TIMEOUT'),
    help: '... and the whole request, body included',
  }),
  firstByteTimeout: key(k.durationMs('10m'), {
    default: '5s',
    env: env('FIRST_BYTE_TIMEOUT'),
    help: 'a connection that has sent nothing is closed after this',
  }),
  maxConnections: key(k.int(1, 1_000_000), {
    default: 1024,
    env: env('MAX_CONNECTIONS'),
    help: 'open connections at once; more are refused',
  }),
  maxConnectionsPerClient: key(k.int(1, 1_000_000), {
    default: 64,
    env: env('MAX_CONNECTIONS_PER_CLIENT'),
    help: 'open connections from one client address (an IPv6 /64) at once; more are closed, so one client cannot take the probes away',
  }),
  trustProxyHops: key(k.int(0, 10), {
    default: 0,
    env: env('TRUST_PROXY_HOPS'),
    help: 'behind N reverse proxies: the client address is taken from X-Forwarded-For, N hops from the right (0: the socket)',
  }),
  allowedHosts: key(k.hostList(), {
    default: [],
    env: env('ALLOWED_HOSTS'),
    help: 'Host names this daemon answers for; [] = any (a list blocks DNS rebinding)',
  }),
  probes: section(
    z.strictObject({
      enabled: key(k.bool(), {
        default: false,
        env: env('PROBES_ENABLED'),
        help: 'serve the probes and /metrics on a listener of their own',
      }),
      host: key(z.string(), { default: '', env: env('PROBES_HOST'), help: 'its listen address; "" = server.host' }),
      port: key(k.int(0, 65535), { default: 8081, env: env('PROBES_PORT'), help: 'its port; 0 picks a free one' }),
    }),
    '/livez, /readyz, /healthz and /metrics on a port of their own (the Kubernetes manifests use it): no client of the main port can hold them',
  ),
});
