/**
 * The HTTP layer as the composition root loads it: late, after tracing has started, because
 * request-span instrumentation patches koa and http as they are first required.
 */
export { createApps } from './app';
export { guardConnections } from './connections';
export { answerClientError } from './errors';
export { createLifecycle, type Lifecycle } from './lifecycle';
