import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from './support/repo';

const TIERS_DIR = path.join(REPO_ROOT, 'test', 'tiers');
const tiers = Object.fromEntries(
  readdirSync(TIERS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [
      f.replace(/\.json$/, ''),
      (JSON.parse(readFileSync(path.join(TIERS_DIR, f), 'utf8')) as { spec: string[] }).spec,
    ]),
);

/** A spec pattern as a regular expression: `*` is any name within one directory, nothing else is special. */
const matcher = (spec: string) => new RegExp(`^${spec.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);

/** Every compiled test file, relative to the repository (dist/test/...). */
function testFiles(dir = path.join(REPO_ROOT, 'dist', 'test')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? testFiles(path.join(dir, e.name))
      : e.name.endsWith('.test.js')
        ? [path.relative(REPO_ROOT, path.join(dir, e.name))]
        : [],
  );
}

describe('test groups (test/tiers/*.json): what each npm test command runs', () => {
  it('the groups are unit, process, e2e, chaos, heavy and tools, and their patterns are plain (a file or dir/*.test.js: no **, no braces)', () => {
    expect(Object.keys(tiers).sort()).to.deep.equal(['chaos', 'e2e', 'heavy', 'process', 'tools', 'unit']);
    const fancy = Object.values(tiers)
      .flat()
      .filter((spec) => !/^dist\/test\/([\w-]+\/)*(\*|[\w.-]+)\.test\.js$/.test(spec));
    expect(fancy).to.deep.equal([]);
  });

  it('every test file is in exactly one group, and every pattern matches a file', () => {
    const files = testFiles();
    expect(files.length).to.be.above(50);
    const groupsOf = (file: string) =>
      Object.entries(tiers)
        .filter(([, specs]) => specs.some((spec) => matcher(spec).test(file)))
        .map(([tier]) => tier);
    const misplaced = files.map((f) => [f, groupsOf(f)] as const).filter(([, groups]) => groups.length !== 1);
    expect(misplaced.map(([f, groups]) => `${f}: ${groups.join(', ') || 'in no group'}`)).to.deep.equal([]);
    const idle = Object.values(tiers)
      .flat()
      .filter((spec) => !files.some((f) => matcher(spec).test(f)));
    expect(idle, 'patterns that match no file').to.deep.equal([]);
  });

  it("Stryker's tests (stryker.config.json) are the unit group's, less the one that reads the source as text", () => {
    const stryker = JSON.parse(readFileSync(path.join(REPO_ROOT, 'stryker.config.json'), 'utf8')) as {
      mochaOptions: { spec: string[]; ignore: string[] };
    };
    // architecture.test.ts counts the lines of src/, which Stryker's sandbox holds instrumented.
    expect(stryker.mochaOptions.ignore).to.deep.equal(['dist/test/architecture.test.js']);
    const files = testFiles();
    const chosen = (specs: string[]) => files.filter((f) => specs.some((spec) => matcher(spec).test(f)));
    const given = chosen(stryker.mochaOptions.spec).filter((f) => !stryker.mochaOptions.ignore.includes(f));
    expect(given).to.deep.equal(chosen(tiers.unit!).filter((f) => f !== 'dist/test/architecture.test.js'));
  });
});
