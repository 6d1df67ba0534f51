// The subset of koa-ratelimit 6 this project uses (the package ships no types).
declare module 'koa-ratelimit' {
  import type { Context, Middleware } from 'koa';

  interface MemoryOptions {
    driver: 'memory';
    db: Map<unknown, unknown>;
    duration: number;
    max: number;
    id?: (ctx: Context) => string | false;
    errorMessage?: string;
    throw?: boolean;
  }

  export default function ratelimit(options: MemoryOptions): Middleware;
}
