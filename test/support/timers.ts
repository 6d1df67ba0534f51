import { releaseAfter } from './cleanup';

/**
 * The timeouts armed from now until the end of the test and not yet fired or cleared, unref'd ones
 * included (the process's active resources leave those out).
 */
export function armedTimeouts(): ReadonlySet<NodeJS.Timeout> {
  const armed = new Set<NodeJS.Timeout>();
  const { setTimeout: realSet, clearTimeout: realClear } = globalThis;
  globalThis.setTimeout = ((fn: () => void, ms: number) => {
    const t = realSet(() => (armed.delete(t), fn()), ms);
    armed.add(t);
    return t;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((t: NodeJS.Timeout) => (armed.delete(t), realClear(t))) as typeof clearTimeout;
  releaseAfter('timeout spies', () => Object.assign(globalThis, { setTimeout: realSet, clearTimeout: realClear }));
  return armed;
}
