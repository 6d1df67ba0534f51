import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from './support/repo';

const SRC = path.join(REPO_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

interface Cruised {
  summary: { violations: { rule: { name: string }; from: string; to: string }[]; totalCruised: number };
}

describe('architecture', () => {
  const modules = sourceFiles(SRC).map((f) => path.relative(SRC, f));

  it('the rules of .dependency-cruiser.cjs hold: no cycle (type imports counted), layers downwards, the vocabulary and the core at the bottom, one composition root, http loaded late', async function () {
    this.timeout(60_000);
    const { cruise } = await import('dependency-cruiser');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const rules = require(path.join(REPO_ROOT, '.dependency-cruiser.cjs')) as { forbidden: unknown[]; options: object };
    const result = await cruise([SRC], { ...rules.options, ruleSet: { forbidden: rules.forbidden } } as never);
    const { summary } = result.output as unknown as Cruised;
    expect(summary.totalCruised).to.be.above(60);
    expect(summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).to.deep.equal([]);
  });

  it('every module has a test file of its name (test/ mirrors src/), or a row in test/README.md saying which tests cover it', () => {
    const listed = readFileSync(path.join(REPO_ROOT, 'test', 'README.md'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    const uncovered = modules.filter((module) => {
      const test = path.join(REPO_ROOT, 'test', module.replace(/\.ts$/, '.test.ts'));
      return !listed.includes(module) && !existsSync(test);
    });
    expect(uncovered).to.deep.equal([]);
    // And the list names only modules that exist.
    expect(listed.filter((module) => !modules.includes(module!))).to.deep.equal([]);
  });

  it('modules stay small: at most 250 lines each', () => {
    const long = modules
      .map((f) => [f, readFileSync(path.join(SRC, f), 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > 250);
    expect(long).to.deep.equal([]);
  });
});
