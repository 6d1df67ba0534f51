import type Koa from 'koa';
import type { Exemplar } from '../vocabulary';

export interface ServiceInfo {
  readonly name: string;
  readonly version: string;
}

/** Middleware a route puts before its handler; empty when the feature is off (no cost per request). */
export interface Guards {
  /** Bearer token: /metrics, run-triggering POSTs, admin routes. */
  readonly auth: Koa.Middleware[];
  /** Per-client rate limit: every route that starts a run. */
  readonly limit: Koa.Middleware[];
  /** GET routes that start a run: the rate limit, and the token when auth.requireForRuns. */
  readonly runs: Koa.Middleware[];
  /** Every POST: a JSON body or none, and no foreign Origin. */
  readonly post: Koa.Middleware[];
}

/** What a handler tells the request metrics: the trace of the run it started. */
export interface RequestState {
  exemplar?: Exemplar;
}

export const HEALTH_CONTENT_TYPE = 'application/health+json';
