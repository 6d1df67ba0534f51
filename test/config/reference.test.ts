import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load';
import { configSchema } from '../../src/config/schema';
import { defaultsOf, envBindings, keysOf } from '../../src/config/tree';
import { GENERATED_FILES } from '../../scripts/generateConfig';
import { REPO_ROOT } from '../support/repo';

describe('config reference: generated from the schema, one source for every key', () => {
  for (const [file, make] of Object.entries(GENERATED_FILES)) {
    it(`${file} is what the schema produces (npm run config:generate rewrites it)`, () => {
      const committed = readFileSync(path.join(REPO_ROOT, file), 'utf8');
      expect(committed === make(configSchema), `${file} differs from the schema: run npm run config:generate`).to.equal(
        true,
      );
    });
  }

  it('config/default.yaml parses to exactly the defaults the daemon starts from, and they pass its own validation', () => {
    const text = readFileSync(path.join(REPO_ROOT, 'config/default.yaml'), 'utf8');
    expect(parse(text)).to.deep.equal(defaultsOf(configSchema));
    expect(() => loadConfig({ env: {} })).to.not.throw();
  });

  it('every key has one line of help; no variable sets two keys but the OTLP endpoint and protocol shared by traces and logs', () => {
    for (const { path: at, meta } of keysOf(configSchema)) expect(meta.help.length, at.join('.')).to.be.above(2);
    const byVariable = new Map<string, string[]>();
    for (const [key, vars] of envBindings(configSchema))
      for (const v of vars) byVariable.set(v, [...(byVariable.get(v) ?? []), key]);
    const shared = [...byVariable].filter(([, keys]) => keys.length > 1).map(([v]) => v);
    expect(shared.sort()).to.deep.equal([
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_HEADERS',
      'OTEL_EXPORTER_OTLP_PROTOCOL',
    ]);
  });
});
