import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { tmpDir } from './tmp';

const DIST_TEST = path.join(__dirname, '..');
const MOCHA = path.join(DIST_TEST, '..', '..', 'node_modules', 'mocha', 'bin', 'mocha.js');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('cleanup: a red test never hangs the run', function () {
  this.timeout(120_000);

  it('a failing process test in a child mocha (no --exit) ends on its own, non-zero, with its own error, and leaves nothing behind', () => {
    const report = path.join(tmpDir('petsage-cleanup-'), 'started.json');
    // The timeout only turns a hang into a failure of this test: a child that ends by itself has no signal.
    const child = spawnSync(
      process.execPath,
      [
        MOCHA,
        '--no-config',
        '--require',
        path.join(__dirname, 'cleanup.js'),
        '--timeout',
        '30000',
        '--reporter',
        'spec',
        path.join(DIST_TEST, 'fixtures', 'failingProcess.fixture.js'),
      ],
      { encoding: 'utf8', timeout: 100_000, env: { ...process.env, FIXTURE_REPORT: report } },
    );
    expect(child.signal, `child mocha was killed: it did not end on its own\n${child.stdout}`).to.equal(null);
    expect(child.status, child.stdout + child.stderr).to.equal(1); // one failure
    expect(child.stdout).to.include("expected 'the original error' to equal 'what the test wanted'");
    expect(child.stdout).to.not.include('releasing what the test started failed');
    const started = JSON.parse(readFileSync(report, 'utf8')) as { pid: number; daemonDir: string; dir: string };
    expect(alive(started.pid), 'the spawned daemon is gone').to.equal(false);
    expect(existsSync(started.daemonDir), 'the daemon directory is removed').to.equal(false);
    expect(existsSync(started.dir), 'the temporary directory is removed').to.equal(false);
  });
});
