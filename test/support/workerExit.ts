/**
 * mocha --parallel runs test files in worker processes (workerpool), and a worker writes its V8
 * coverage as it exits. workerpool kills a worker that has not exited a second after it was told to,
 * and a worker that loaded many modules (TypeScript's compiler, through dependency-cruiser) takes
 * longer than that to write its coverage, the more so on a busy machine: its coverage was lost. Loaded
 * by mocha (the groups' `require`) in its main process before the pool is made: while coverage is
 * collected (NODE_V8_COVERAGE), a worker has a minute to exit.
 */
import { createRequire } from 'node:module';

const WORKER_EXIT_MS = 60_000;

type Pool = (script: string, options?: Record<string, unknown>) => unknown;
const workerpool = createRequire(__filename)('workerpool') as { pool: Pool };

if (process.env.NODE_V8_COVERAGE) {
  const pool = workerpool.pool;
  workerpool.pool = (script, options) => pool(script, { workerTerminateTimeout: WORKER_EXIT_MS, ...options });
}
