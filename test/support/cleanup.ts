/**
 * Whatever a test starts is released after it, whatever its outcome: the helpers that spawn
 * processes, start servers and services or make temporary directories register a release here, and
 * mocha's root hooks (this module is loaded by .mocharc.json) run them, newest first. What a test
 * starts is released after that test; what a suite's `before` or a module starts, after the whole
 * run. A release that fails is reported on its own, after the test's own result: it never takes the
 * place of the test's error. With nothing left open, mocha ends on its own, failures or not.
 */

type Release = () => unknown;
interface Held {
  readonly what: string;
  readonly release: Release;
}

let inTest = false;
const heldByTest: Held[] = [];
const heldByRun: Held[] = [];

/** Registers how to release something just started; `what` names it in a failed release's error. */
export function releaseAfter(what: string, release: Release): void {
  (inTest ? heldByTest : heldByRun).push({ what, release });
}

/** Runs every release, newest first; all of them run even when one fails. */
async function releaseAll(held: Held[]): Promise<void> {
  const failures: string[] = [];
  for (let h = held.pop(); h; h = held.pop()) {
    try {
      await h.release();
    } catch (err) {
      failures.push(`${h.what}: ${(err as Error).message}`);
    }
  }
  if (failures.length > 0) throw new Error(`releasing what the test started failed: ${failures.join('; ')}`);
}

export const mochaHooks = {
  beforeEach(): void {
    inTest = true;
  },
  async afterEach(): Promise<void> {
    inTest = false;
    await releaseAll(heldByTest);
  },
  async afterAll(): Promise<void> {
    await releaseAll(heldByRun);
  },
};
