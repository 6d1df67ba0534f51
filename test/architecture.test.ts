import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import ts from 'typescript';
import { REPO_ROOT } from './support/repo';

const SRC = path.join(REPO_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** src/ as a graph: module -> the modules it imports, type imports and re-exports included. */
function importGraph(): Map<string, string[]> {
  const files = sourceFiles(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) =>
        [`${path.resolve(path.dirname(file), name)}.ts`, path.resolve(path.dirname(file), name, 'index.ts')].find((f) =>
          known.has(f),
        ),
      )
      .filter((f): f is string => f !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components with more than one module (Tarjan): each is an import cycle. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w);
      component.push(path.relative(SRC, w));
      if (w === v) break;
    }
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component);
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('architecture', () => {
  const graph = importGraph();
  const rel = (f: string) => path.relative(SRC, f);

  it('src/ has no import cycle, counting type-only imports (lint catches the runtime ones too)', () => {
    expect(graph.size).to.be.above(30);
    expect(cycles(graph)).to.deep.equal([]);
  });

  it('the vocabulary sits at the bottom: it imports nothing; the core sees no telemetry, verify or http', () => {
    expect(graph.get(path.join(SRC, 'vocabulary.ts'))).to.deep.equal([]);
    for (const [file, imports] of graph) {
      if (!rel(file).startsWith('smoke/')) continue;
      expect(
        imports.map(rel).filter((i) => !i.startsWith('smoke/') && i !== 'vocabulary.ts'),
        rel(file),
      ).to.deep.equal([]);
    }
  });

  it('only the composition root and main import from every layer; http is loaded late, through http/module.ts', () => {
    const importersOf = (target: string) =>
      [...graph].filter(([, imports]) => imports.map(rel).includes(target)).map(([f]) => rel(f));
    expect(importersOf('compose.ts')).to.deep.equal(['serve.ts']);
    expect(importersOf('serve.ts')).to.deep.equal(['main.ts']);
    expect(importersOf('http/app.ts')).to.deep.equal(['http/module.ts']);
  });

  it('every module has a test file of its name (test/ mirrors src/), or a row in test/README.md saying which tests cover it', () => {
    const listed = readFileSync(path.join(REPO_ROOT, 'test', 'README.md'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    const uncovered = [...graph.keys()].map(rel).filter((module) => {
      const test = path.join(REPO_ROOT, 'test', module.replace(/\.ts$/, '.test.ts'));
      return !listed.includes(module) && !existsSync(test);
    });
    expect(uncovered).to.deep.equal([]);
    // And the list names only modules that exist.
    expect(listed.filter((module) => !graph.has(path.join(SRC, module!)))).to.deep.equal([]);
  });

  it('modules stay small: at most 250 lines each', () => {
    const long = [...graph.keys()]
      .map((f) => [rel(f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > 250);
    expect(long).to.deep.equal([]);
  });
});
