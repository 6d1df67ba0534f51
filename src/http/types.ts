import type Router from '@koa/router';
import type Koa from 'koa';
import type winston from 'winston';
import type { Config } from '../config/schema';
import type { Runs } from '../runs';
import type { Scheduler } from '../smoke/scheduler';
import type { Render } from '../telemetry/exposition';
import type { SeriesProfile } from '../telemetry/metrics/profile';
import type { MetricsRegistry } from '../telemetry/metrics/registry';
import type { SignalHealth } from '../verify/signalHealth';
import type { Exemplar } from '../vocabulary';
import type { Lifecycle } from './lifecycle';
import type { Overload } from './overload';

export interface ServiceInfo {
  readonly name: string;
  readonly version: string;
}

/** A pipeline as the HTTP layer shows it. */
export interface PipelineView {
  readonly name: string;
  readonly signalHealth: SignalHealth;
  readonly scheduler: Scheduler;
}

/** Middleware a route puts before its handler; empty when the feature is off (no cost per request). */
export interface Guards {
  /** Bearer token: /metrics, run-triggering POSTs. */
  readonly auth: Koa.Middleware[];
  /** Per-client rate limit: every route that starts a run. */
  readonly limit: Koa.Middleware[];
  /** GET routes that start a run: shed when the pipelines fall behind, the rate limit, and the token when auth.requireForRuns. */
  readonly runs: Koa.Middleware[];
  /** Every POST: a JSON body or none, and no foreign Origin. */
  readonly post: Koa.Middleware[];
  /** The admin routes: the token, or without one this machine only. */
  readonly admin: Koa.Middleware[];
}

/** What the HTTP layer is built from: the daemon's parts and the settings its routes read. */
export interface AppDeps {
  readonly service: ServiceInfo;
  readonly runs: Runs;
  readonly pipelines: readonly PipelineView[];
  readonly registry: MetricsRegistry;
  /** Which request series are kept (metrics.profile). */
  readonly series: SeriesProfile;
  readonly renderMetrics: Render;
  /** Where /metrics notes a scrape it refused for the token. */
  readonly scrapes: { refusedOne(): void };
  readonly lifecycle: Lifecycle;
  /** When the daemon started (epoch ms) and its clock: the status page's uptime and ages. */
  readonly startedAtMs: number;
  readonly now: () => number;
  readonly logger: winston.Logger;
  readonly currentExemplar: () => Exemplar | undefined;
  readonly overload: Overload;
  readonly legacy: Config['legacyRoutes'];
  /** How long GET /probe waits for a verdict. */
  readonly probe: Config['probe'];
  /** auth.token ("" = open), rateLimit (max 0 = no limit), the proxy hops and Host names trusted. */
  readonly access: Pick<Config, 'auth' | 'rateLimit'> & {
    readonly server: Pick<Config['server'], 'trustProxyHops' | 'allowedHosts'>;
  };
}

/** Everything a route module may use: the daemon's parts and the guards. */
export interface AppContext extends AppDeps {
  readonly guard: Guards;
  /** Whether the request may see what the token guards (true when no token is set). */
  readonly seesAll: (ctx: Koa.Context) => boolean;
  /** The API description: every route module's paths. */
  readonly openApi: () => unknown;
}

/** The OpenAPI description of some paths. */
export type OpenApiPaths = Record<string, Record<string, unknown>>;

/** A route module: what it registers, and the description of those paths (merged into /openapi.json). */
export interface Routes {
  paths(context: AppContext): OpenApiPaths;
  register(router: Router, context: AppContext): void;
}

/** What a handler tells the request metrics: the trace of the run it started. */
export interface RequestState {
  exemplar?: Exemplar;
}

export const HEALTH_CONTENT_TYPE = 'application/health+json';
