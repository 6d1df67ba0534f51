import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';

/** Runs a benchmark script (short mode, so it cannot rot); it must exit 0 and print its JSON report first. */
export function benchScript<Report>(script: string, args: string[], timeout: number) {
  const run = spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'bench', `${script}.js`), ...args], {
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(run.status, `${run.stderr}\n${run.stdout}`).to.equal(0);
  return { run, report: JSON.parse(run.stdout.slice(0, run.stdout.indexOf('\n}\n') + 2)) as Report };
}
