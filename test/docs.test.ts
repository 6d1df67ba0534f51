import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import type { z } from 'zod';
import { configSchema, pipelineSchema } from '../src/config/schema';
import { walk } from '../src/config/tree';
import { EVENT } from '../src/vocabulary';
import { testService } from './support/app';
import { REPO_ROOT } from './support/repo';
import { openApiRoutes } from './support/schema';

/**
 * What the README and docs/ name must exist: the files and folders they point at, the npm scripts,
 * the config keys, and in docs/http-api.md the routes, against the daemon's own OpenAPI document.
 */

const DOCS = ['README.md', ...readdirSync(path.join(REPO_ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
/** The text outside fenced code blocks. */
const prose = (text: string) => text.replace(/^ *```[^\n]*\n[\s\S]*?^ *```$/gm, '');
const inlineCode = (text: string) => [...prose(text).matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of prose(read(file)).matchAll(/^#{1,6} +(.+?) *$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** A path in the repository, as the docs write one. */
const REPO_PATH = /^(?:\.\/)?(?:src|test|config|deploy|docs|prometheus|grafana|bench|scripts|bin|\.ci)\/\S*$/;
/** The files at the top of the repository, by their kind of name (a bare `README.md` may be any folder's). */
const ROOT_FILE =
  /^(?:Dockerfile|package(?:-lock)?\.json|tsconfig\.json|[\w-]+\.config\.(?:json|[cm]?js)|\.[\w-]+rc\.json|\.[\w-]+\.cjs|\.\w+ignore)$/;
/** Where a written path points: itself, or for a glob (`src/http/routes/*.ts`) the folder it searches;
 * nothing for a placeholder (`<store>`) or the daemon's own output (`var/`). */
function target(token: string): { file: string; anchor?: string } | undefined {
  if (token.includes('<') || token.startsWith('var/') || token.startsWith('./var/')) return undefined;
  const [file = '', anchor] = token.replace(/^\.\//, '').split('#');
  const glob = file.search(/[*{]/);
  return { file: glob < 0 ? file : file.slice(0, file.lastIndexOf('/', glob) + 1), ...(anchor ? { anchor } : {}) };
}

/** Every path a doc names: its relative links, and backticked repository paths. */
function namedPaths(doc: string): { token: string; file: string; anchor?: string }[] {
  const text = read(doc);
  const links = [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((link) => !/^[a-z]+:/i.test(link))
    .map((link) => {
      const [file = '', anchor] = link.split('#');
      const resolved = file ? path.posix.normalize(path.posix.join(path.posix.dirname(doc), file)) : doc;
      return { token: link, file: resolved, ...(anchor ? { anchor } : {}) };
    });
  const code = inlineCode(text)
    .filter((t) => REPO_PATH.test(t) || ROOT_FILE.test(t))
    .flatMap((token) => {
      const t = target(token);
      return t ? [{ token, ...t }] : [];
    });
  return [...links, ...code];
}

/** Every section and key of a schema, dotted. */
const dotted = (schema: z.ZodType) => [...walk(schema)].map((e) => e.path.join('.'));
const CONFIG_KEYS = dotted(configSchema);
const PIPELINE_KEYS = dotted(pipelineSchema);
const TOP_LEVEL = new Set(CONFIG_KEYS.map((k) => k.split('.')[0]));
const EVENTS = new Set<string>(Object.values(EVENT));
const FILE_LIKE = /\.(?:ts|js|md|json|jsonl|ya?ml|cjs|mjs)$/;

/** Whether a written key is in the schema; `*` and `<name>` stand for any one name, and a key written
 * from a dot (`.auth.tokenFile`, in a block named nearby) must end some key. */
function keyExists(written: string): boolean {
  if (written.startsWith('.')) return CONFIG_KEYS.some((k) => k.endsWith(written));
  const parts = written.split('.');
  // Under `pipelines`, a name of the operator's, then the keys a pipeline may set.
  if (parts[0] === 'pipelines' && parts.length > 1) return parts.length === 2 || keyIn(PIPELINE_KEYS, parts.slice(2));
  return keyIn(CONFIG_KEYS, parts);
}
function keyIn(keys: readonly string[], parts: readonly string[]): boolean {
  const any = (p: string) => p === '*' || /^<.+>$/.test(p);
  return keys.some((k) => {
    const at = k.split('.');
    return (
      at.length >= parts.length &&
      parts.every((p, i) => any(p) || p === at[i]) &&
      (at.length === parts.length || parts[parts.length - 1] === '*')
    );
  });
}

describe('docs: what README.md and docs/ name exists', () => {
  it('README.md and docs/*.md: every repository path and relative link exists, and every anchor it links to', () => {
    const missing: string[] = [];
    let named = 0;
    for (const doc of DOCS) {
      for (const { token, file, anchor } of namedPaths(doc)) {
        named += 1;
        if (!existsSync(path.join(REPO_ROOT, file))) missing.push(`${doc}: ${token}`);
        else if (anchor && file.endsWith('.md') && !anchorsOf(file).has(anchor))
          missing.push(`${doc}: ${token} (no such heading)`);
      }
    }
    expect(named, 'paths found in the docs').to.be.above(80);
    expect(missing).to.deep.equal([]);
  });

  it('every npm script the docs name is in package.json', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const named = DOCS.flatMap((doc) =>
      [...read(doc).matchAll(/\bnpm (?:run(?: --silent)? ([\w:.-]+)|(test|start)\b)/g)].map((m) => ({
        doc,
        script: m[1] ?? m[2]!,
      })),
    );
    expect(named.map((n) => n.script)).to.include.members(['config:generate', 'test:unit', 'test', 'start']);
    const unknown = named.filter(({ script }) => !(script in scripts));
    expect(unknown.map(({ doc, script }) => `${doc}: ${script}`)).to.deep.equal([]);
  });

  it('every config key the docs write out (`verify.metrics.prometheusUrl`) is in the schema', () => {
    const written = DOCS.flatMap((doc) =>
      inlineCode(read(doc))
        .filter((t) => /^(?:[a-z][a-zA-Z0-9]*(?:\.(?:[\w-]+|\*|<[\w-]+>))+|(?:\.[a-z][\w-]*)+)$/.test(t))
        .filter((t) => (t.startsWith('.') || TOP_LEVEL.has(t.split('.')[0])) && !EVENTS.has(t) && !FILE_LIKE.test(t))
        .map((key) => `${doc}: ${key}`),
    );
    expect(written.length, 'keys found in the docs').to.be.above(50);
    expect(written.filter((w) => !keyExists(w.slice(w.indexOf(': ') + 2)))).to.deep.equal([]);
  });

  it("docs/http-api.md's route table lists exactly the routes of the daemon's OpenAPI document", async () => {
    const text = read('docs/http-api.md');
    const section = text.slice(text.indexOf('\n## Routes'), text.indexOf('\n## ', text.indexOf('\n## Routes') + 1));
    const documented = section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([A-Z]+ \/[^`]*)`/g)].map((m) => m[1]!))
      .map((route) => route.replace(/:(\w+)/g, '{$1}'));
    const doc = (await request(testService().app.callback()).get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const served = openApiRoutes(doc);
    expect(documented.length, 'routes in the table').to.be.above(15);
    expect(
      documented.filter((r) => !served.includes(r)),
      'in the table, not served',
    ).to.deep.equal([]);
    expect(
      served.filter((r) => !documented.includes(r)),
      'served, not in the table',
    ).to.deep.equal([]);
  });

  it('the README links every page of docs/', () => {
    const readme = read('README.md');
    const unlinked = DOCS.filter((d) => d.startsWith('docs/') && !readme.includes(`](${d})`));
    expect(unlinked).to.deep.equal([]);
  });
});
