import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { releaseAfter } from '../support/cleanup';
import { REPO_ROOT } from '../support/repo';
import { tmpDir } from '../support/tmp';

interface Report {
  files: Record<string, { mutants: { status: string; replacement?: string; location: { start: { line: number } } }[] }>;
}

// Inside the repository (git-ignored): the sandbox's build finds the type packages in node_modules above it.
const SANDBOXES = 'var/stryker-short';

/** The short mode of `npm run mutation`, so the script cannot rot: one small module, its score read from the report. */
describe('mutation testing (npm run mutation), short mode', function () {
  this.timeout(600_000);

  it('the tests Stryker runs are named as files or dir/*.test.js, each of which exists (its mocha runner expands no braces)', () => {
    const config = JSON.parse(readFileSync(path.join(REPO_ROOT, 'stryker.config.json'), 'utf8')) as {
      mochaOptions: { spec: string[] };
    };
    const missing = config.mochaOptions.spec.filter((spec) => {
      const wildcard = /^(.+)\/\*\.test\.js$/.exec(spec);
      if (wildcard)
        return (
          !existsSync(path.join(REPO_ROOT, wildcard[1]!)) ||
          !readdirSync(path.join(REPO_ROOT, wildcard[1]!)).some((f) => f.endsWith('.test.js'))
        );
      return !/^[\w/.-]+\.test\.js$/.test(spec) || !existsSync(path.join(REPO_ROOT, spec));
    });
    expect(missing).to.deep.equal([]);
  });

  it('mutates smoke/ledger.ts with the project config, run against the tests of the ledger and of runs.ts (its one user), and kills every mutant', () => {
    const dir = tmpDir('petsage-mutation-');
    const reportFile = path.join(dir, 'report.json');
    const config = JSON.parse(readFileSync(path.join(REPO_ROOT, 'stryker.config.json'), 'utf8')) as {
      mochaOptions: Record<string, unknown>;
    };
    const configFile = path.join(dir, 'stryker.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        ...config,
        mutate: ['src/smoke/ledger.ts'],
        // The whole run gives every mutant all the in-process tests; this proof that the run works, the
        // ledger's own and those of runs.ts, which uses it. With two files, the static mutants (which
        // rerun every test given) are cheap, so they are tested here rather than ignored; two runners.
        mochaOptions: { ...config.mochaOptions, spec: ['dist/test/smoke/ledger.test.js', 'dist/test/runs.test.js'] },
        ignoreStatic: false,
        concurrency: 2,
        incremental: false,
        reporters: ['json', 'clear-text'],
        jsonReporter: { fileName: reportFile },
        tempDirName: SANDBOXES,
      }),
    );
    releaseAfter(SANDBOXES, () => rmSync(path.join(REPO_ROOT, SANDBOXES), { recursive: true, force: true }));
    // Not the enclosing run's coverage or summary file: Stryker runs the tests in processes of its own.
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_V8_COVERAGE: '' };
    delete env.PETSAGE_TEST_SUMMARY;
    const run = spawnSync('bash', ['scripts/mutation/run.sh', configFile], {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 540_000,
    });
    expect(run.status, `${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`).to.equal(0);

    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
    const mutants = report.files['src/smoke/ledger.ts']?.mutants ?? [];
    const survivors = mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage');
    expect(mutants.filter((m) => m.status === 'Killed').length).to.be.above(10);
    expect(survivors.map((m) => `line ${m.location.start.line}: ${m.replacement ?? ''}`)).to.deep.equal([]);
  });
});
