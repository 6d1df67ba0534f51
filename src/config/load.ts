import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { crossChecks } from './checks';
import { configSchema, pipelineSchema, type Config, type PipelineSettings } from './schema';
import { shown, shownKey } from './shown';
import { defaultsOf, envBindings } from './tree';

export type { Config } from './schema';

/**
 * Config is data (config/*.yaml); this module is the gate. It merges the layers, validates once,
 * and hands out a frozen, typed object. A mistake is a ConfigError naming the key, never a stack trace.
 */

export const CONFIG_DIR = path.join(__dirname, '..', '..', '..', 'config');

type Tree = { [key: string]: unknown };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ConfigSources {
  /** Environment variables (main.ts passes process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** An operator's file layered over the defaults (--config). */
  readonly file?: string;
  /** Command-line flags, by dotted key, e.g. {"server.port": "9000"}. */
  readonly flags?: Readonly<Record<string, string>>;
  readonly configDir?: string;
}

interface Layer {
  readonly source: string;
  readonly tree: Tree;
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const dir = sources.configDir ?? CONFIG_DIR;
  const env = sources.env ?? {};
  const defaults = DEFAULTS;
  const layers: Layer[] = [{ source: 'the defaults', tree: structuredClone(defaults) }];
  const nodeEnv = env.NODE_ENV;
  if (nodeEnv && /^[\w-]+$/.test(nodeEnv) && nodeEnv !== 'default') {
    const envFile = path.join(dir, `${nodeEnv}.yaml`);
    const tree = readYaml(envFile, { optional: true });
    if (tree) layers.push({ source: `config/${nodeEnv}.yaml`, tree });
  }
  if (sources.file) layers.push({ source: sources.file, tree: readYaml(sources.file) });
  layers.push(...envLayers(env));
  for (const [key, value] of Object.entries(sources.flags ?? {}))
    layers.push({ source: `--${flagName(key)}`, tree: nest(key, value) });

  const merged: Tree = {};
  const origin = new Map<string, string>();
  for (const layer of layers) mergeInto(merged, layer.tree, layer.source, origin, []);

  // Parsed once per process: compiling zod's eval-based fast path would cost more than it saves.
  const result = configSchema.safeParse(merged, { jitless: true });
  if (!result.success) throw new ConfigError(describe(result.error.issues[0], merged, origin, defaults));
  const config = { ...result.data, pipelines: namedPipelines(merged, origin, defaults) } as unknown as Config;
  const [broken] = crossChecks(config);
  if (broken) {
    const issue = {
      code: 'custom',
      path: [...broken.path],
      message: broken.message,
      input: undefined,
    } as z.core.$ZodIssue;
    throw new ConfigError(describe(issue, withPipelines(merged, config), origin, defaults));
  }
  return deepFreeze(config);
}

/** The top-level keys a named pipeline may set differently; it takes the rest from there. */
const PIPELINE_KEYS = Object.keys(pipelineSchema.shape) as (keyof typeof pipelineSchema.shape)[];
function pipelineDefaults(tree: Tree): Tree {
  const { requestSpans: _shared, ...traces } = (tree.traces ?? {}) as Tree;
  const own: Tree = {
    traces,
    log: { otlp: lookup(tree, ['log', 'otlp']) },
    metrics: { otlp: lookup(tree, ['metrics', 'otlp']) },
  };
  return Object.fromEntries(PIPELINE_KEYS.map((key) => [key, own[key] ?? tree[key]]));
}

/**
 * Each named pipeline: its keys over the top-level ones, validated as they are, errors named under
 * `pipelines.<name>`. A pipeline that names no span file of its own gets one beside the default's.
 */
function namedPipelines(merged: Tree, origin: Map<string, string>, defaults: Tree): Record<string, PipelineSettings> {
  const out: Record<string, PipelineSettings> = {};
  for (const [name, own] of Object.entries((merged.pipelines ?? {}) as Record<string, Tree>)) {
    const tree: Tree = structuredClone(pipelineDefaults(merged));
    mergeInto(tree, own, '', new Map(), []);
    if (lookup(own, ['traces', 'file', 'path']) === undefined) {
      const file = String(lookup(tree, ['traces', 'file', 'path']));
      (lookup(tree, ['traces', 'file']) as Tree).path = file.replace(/(\.[^./]*)?$/, (ext) => `-${name}${ext}`);
    }
    const result = pipelineSchema.safeParse(tree, { jitless: true });
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const at = { ...issue, path: ['pipelines', name, ...issue.path] } as z.core.$ZodIssue;
      throw new ConfigError(
        describe(at, { ...merged, pipelines: { [name]: tree } }, origin, {
          ...defaults,
          pipelines: { [name]: pipelineDefaults(defaults) },
        }),
      );
    }
    out[name] = result.data;
  }
  return out;
}

/** The merged tree with each named pipeline as validated, for an error's "value (from where)". */
const withPipelines = (merged: Tree, config: Config): Tree => ({
  ...merged,
  pipelines: config.pipelines as unknown as Tree,
});

const FLAG_KEYS: Record<string, string> = { 'server.host': 'host', 'server.port': 'port', 'log.file.path': 'log-file' };
const flagName = (key: string) => FLAG_KEYS[key] ?? key;

function readYaml(file: string): Tree;
function readYaml(file: string, opts: { optional: true }): Tree | undefined;
function readYaml(file: string, opts: { optional?: boolean } = {}): Tree | undefined {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    if (opts.optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`config error: cannot read config file ${file}: ${(err as Error).message}`);
  }
  let tree: unknown;
  try {
    tree = oneByteStrings(parseYaml(raw) ?? {});
  } catch (err) {
    throw new ConfigError(`config error: ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isTree(tree))
    throw new ConfigError(`config error: ${file} must hold a mapping of keys, e.g. "server:\\n  port: 8080"`);
  return tree;
}

/**
 * Every string in V8's one-byte form where its characters allow. A file holding one character
 * past Latin-1 (a "…" in a comment) is read as a two-byte string, and so is every value sliced
 * from it; every JSON text built with one (each log line, span export and response carries the
 * service name) is then two-byte as well, and costs more to build, measure and write.
 */
function oneByteStrings(value: unknown): unknown {
  if (typeof value === 'string')
    return /[\u0100-\uffff]/.test(value) ? value : Buffer.from(value, 'latin1').toString('latin1');
  if (Array.isArray(value)) return value.map(oneByteStrings);
  if (isTree(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, oneByteStrings(v)]));
  return value;
}

/** The schema's defaults, and which variables set which keys: read from the schema once. */
const DEFAULTS = defaultsOf(configSchema);
const ENV_BINDINGS = envBindings(configSchema);

/** One layer per variable that is set, so an error can name the variable. */
function envLayers(env: Readonly<Record<string, string | undefined>>): Layer[] {
  const layers: Layer[] = [];
  for (const [dotted, names] of ENV_BINDINGS) {
    const name = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name) layers.push({ source: name, tree: nest(dotted, env[name] as string) });
  }
  return layers;
}

function nest(dotted: string, value: unknown): Tree {
  return dotted.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Tree;
}

function mergeInto(target: Tree, source: Tree, from: string, origin: Map<string, string>, at: string[]): void {
  for (const [key, value] of Object.entries(source)) {
    const keyPath = [...at, key];
    const existing = target[key];
    if (isTree(value) && isTree(existing)) {
      mergeInto(existing, value, from, origin, keyPath);
    } else {
      target[key] = isTree(value) ? structuredClone(value) : value;
      origin.set(keyPath.join('.'), from);
    }
  }
}

/** `defaults` lists every key, so it is the reference for "expected one of". */
function describe(
  issue: z.core.$ZodIssue | undefined,
  merged: Tree,
  origin: Map<string, string>,
  defaults: Tree,
): string {
  if (!issue) return 'config error: invalid configuration';
  const at = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const name = issue.keys[0] ?? '';
    const where = at.join('.');
    const known = Object.keys(lookup(defaults, at) ?? {}).join(', ');
    // A name under auth may be a secret typed where a key belongs: not repeated.
    const key = /(^|\.)auth$/.test(where) ? `under ${where} (its name hidden)` : [...at, name].join('.');
    return `config error: unknown key ${key}${sourceOf([...at, name].join('.'), origin)}: expected one of ${known}`;
  }
  const key = at.join('.');
  if (key === '') return `config error: ${issue.message}`;
  return `config error: ${shownKey(key)} = ${shown(key, lookup(merged, at))}${sourceOf(key, origin)}: expected ${issue.message}`;
}

function sourceOf(key: string, origin: Map<string, string>): string {
  for (let k = key; k; k = k.slice(0, Math.max(0, k.lastIndexOf('.')))) {
    const from = origin.get(k);
    if (from) return ` (from ${from})`;
  }
  return '';
}

function lookup(tree: unknown, at: string[]): unknown {
  return at.reduce<unknown>((node, key) => (isTree(node) ? node[key] : undefined), tree);
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(value: T): T {
  if (isTree(value)) for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
