import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * Config is data (config/*.yaml); this module is the gate. It merges the layers, validates once,
 * and hands out a frozen, typed object. A mistake is a ConfigError naming the key, never a stack trace.
 */

export const CONFIG_DIR = path.join(__dirname, '..', '..', 'config');

type Tree = { [key: string]: unknown };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const toNumber = (v: unknown) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v);
const toBoolean = (v: unknown) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  return s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : v;
};
const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** "250ms", "10s", "2m", "1h"; a bare number is milliseconds (as OTEL_BSP_* values are). */
export function parseDuration(v: unknown): unknown {
  const n = toNumber(v);
  if (typeof n === 'number' || typeof v !== 'string') return n;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v.trim());
  return m ? Math.round(Number(m[1]) * (DURATION_UNITS_MS[m[2] as string] as number)) : v;
}

const SIZE_UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
/** "512KiB", "100MiB", "1GiB"; a bare number is bytes. */
function parseByteSize(v: unknown): unknown {
  const n = toNumber(v);
  if (typeof n === 'number' || typeof v !== 'string') return n;
  const m = /^(\d+)\s*(B|KiB|MiB|GiB)$/.exec(v.trim());
  return m ? Number(m[1]) * (SIZE_UNITS[m[2] as string] as number) : v;
}

function int(min: number, max: number) {
  const error = `an integer from ${min} to ${max}`;
  return z.preprocess(toNumber, z.number({ error }).int({ error }).min(min, { error }).max(max, { error }));
}
const bool = z.preprocess(toBoolean, z.boolean({ error: 'true or false' }));
const durationMs = (max: string) => {
  const error = `a duration such as "500ms", "10s" or "2m", at most ${max}`;
  return z.preprocess(parseDuration, z.number({ error }).int({ error }).min(0, { error }).max(Number(parseDuration(max)), { error }));
};
const byteSize = (() => {
  const error = 'a size such as "512KiB", "100MiB" or "1GiB" (0: never)';
  return z.preprocess(parseByteSize, z.number({ error }).int({ error }).min(0, { error }));
})();
// Compared against the Authorization header; short secrets are guessable.
const tokenOrEmpty = z.string({ error: 'a token of at least 16 characters, or ""' }).refine((s) => s === '' || (s.length >= 16 && !/\s/.test(s)), {
  error: 'a token of at least 16 characters without spaces, or "" (no token)',
});
const text = z.string({ error: 'a non-empty string' }).trim().min(1, { error: 'a non-empty string' });
const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `one of ${values.join(', ')}` });
const urlOrEmpty = z.string({ error: 'an http(s) URL or ""' }).refine((s) => s === '' || /^https?:\/\/[^\s/]+/.test(s), {
  error: 'an http(s) URL such as http://127.0.0.1:4318, or ""',
});

// Label matchers only (no braces, no functions): the selector is pasted into a PromQL query.
const selectorOrEmpty = z.string({ error: 'label matchers such as job="petsage-smoke",instance="host:8080"' }).refine(
  (s) => s === '' || /^\s*[a-zA-Z_]\w*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*(,\s*[a-zA-Z_]\w*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*)*,?\s*$/.test(s),
  { error: 'label matchers such as job="petsage-smoke",instance="host:8080", or ""' },
);

export const TRACE_EXPORTERS = ['auto', 'otlp', 'file', 'console', 'none'] as const;
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;

const schema = z
  .strictObject({
    service: z.strictObject({ name: text }),
    server: z.strictObject({
      host: text,
      port: int(0, 65535),
      shutdownGracePeriod: durationMs('10m'),
    }),
    log: z.strictObject({
      level: oneOf(['info', 'debug'] as const),
      file: z.strictObject({ enabled: bool, path: text, required: bool, maxSize: byteSize, maxFiles: int(1, 1000) }),
      stdout: z.strictObject({ enabled: bool }),
    }),
    traces: z.strictObject({
      exporter: oneOf(TRACE_EXPORTERS),
      requestSpans: bool,
      file: z.strictObject({ path: text }),
      otlp: z.strictObject({ endpoint: urlOrEmpty, tracesEndpoint: urlOrEmpty, protocol: oneOf(OTLP_PROTOCOLS) }),
      batch: z.strictObject({
        maxQueueSize: int(1, 1_000_000),
        maxExportBatchSize: int(1, 1_000_000),
        scheduledDelay: durationMs('10m'),
        exportTimeout: durationMs('10m'),
      }),
    }),
    metrics: z.strictObject({ processMetrics: bool }),
    auth: z.strictObject({ token: tokenOrEmpty }),
    rateLimit: z.strictObject({ max: int(0, 1_000_000), window: durationMs('1h') }),
    ledger: z.strictObject({ size: int(1, 1_000_000) }),
    legacyRoutes: z.strictObject({
      systemHealthz: z.strictObject({ enabled: bool, message: text }),
      v1SmokeTest: z.strictObject({ enabled: bool, message: text }),
      apiV1SmokeTest: z.strictObject({ enabled: bool, message: text }),
      smokeTestSlash: z.strictObject({ enabled: bool, message: text }),
      apiV1Health: z.strictObject({ enabled: bool }),
    }),
    schedule: z.strictObject({ interval: durationMs('24h') }),
    verify: z.strictObject({
      timeout: durationMs('1h'),
      pollInterval: durationMs('1m'),
      log: z.strictObject({ enabled: bool }),
      traces: z.strictObject({ enabled: bool, queryUrl: urlOrEmpty }),
      metrics: z.strictObject({ enabled: bool, prometheusUrl: urlOrEmpty, selector: selectorOrEmpty }),
      health: z.strictObject({ staleAfterIntervals: int(1, 1000), failAfterRuns: int(1, 1000) }),
    }),
  })
  .superRefine((c, ctx) => {
    if (!c.log.file.enabled && !c.log.stdout.enabled) {
      ctx.addIssue({ code: 'custom', path: ['log', 'file', 'enabled'], message: 'true while log.stdout.enabled is false (a run needs somewhere to write its line)' });
    }
  });

type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K] };
export type Config = DeepReadonly<z.output<typeof schema>>;

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
  const defaults = readYaml(path.join(dir, 'default.yaml'));
  const layers: Layer[] = [{ source: 'config/default.yaml', tree: defaults }];
  const nodeEnv = env.NODE_ENV;
  if (nodeEnv && /^[\w-]+$/.test(nodeEnv) && nodeEnv !== 'default') {
    const envFile = path.join(dir, `${nodeEnv}.yaml`);
    const tree = readYaml(envFile, { optional: true });
    if (tree) layers.push({ source: `config/${nodeEnv}.yaml`, tree });
  }
  if (sources.file) layers.push({ source: sources.file, tree: readYaml(sources.file) });
  layers.push(...envLayers(readYaml(path.join(dir, 'custom-environment-variables.yaml')), env));
  for (const [key, value] of Object.entries(sources.flags ?? {})) layers.push({ source: `--${flagName(key)}`, tree: nest(key, value) });

  const merged: Tree = {};
  const origin = new Map<string, string>();
  for (const layer of layers) mergeInto(merged, layer.tree, layer.source, origin, []);

  // Parsed once per process: compiling zod's eval-based fast path would cost more than it saves.
  const result = schema.safeParse(merged, { jitless: true });
  if (!result.success) throw new ConfigError(describe(result.error.issues[0], merged, origin, defaults));
  return deepFreeze(result.data) as Config;
}

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
  if (!isTree(tree)) throw new ConfigError(`config error: ${file} must hold a mapping of keys, e.g. "server:\\n  port: 8080"`);
  return tree;
}

/**
 * Every string in V8's one-byte form where its characters allow. A file holding one character
 * past Latin-1 (a "…" in a comment) is read as a two-byte string, and so is every value sliced
 * from it; every JSON text built with one (each log line, span export and response carries the
 * service name) is then two-byte as well, and costs more to build, measure and write.
 */
function oneByteStrings(value: unknown): unknown {
  if (typeof value === 'string') return /[\u0100-\uffff]/.test(value) ? value : Buffer.from(value, 'latin1').toString('latin1');
  if (Array.isArray(value)) return value.map(oneByteStrings);
  if (isTree(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, oneByteStrings(v)]));
  return value;
}

/** One layer per variable that is set, so an error can name the variable. */
function envLayers(mapping: Tree, env: Readonly<Record<string, string | undefined>>, prefix: string[] = []): Layer[] {
  const layers: Layer[] = [];
  for (const [key, spec] of Object.entries(mapping)) {
    const keyPath = [...prefix, key];
    if (isTree(spec)) {
      layers.push(...envLayers(spec, env, keyPath));
      continue;
    }
    const names = (Array.isArray(spec) ? spec : [spec]).map(String);
    const name = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name) layers.push({ source: name, tree: nest(keyPath.join('.'), env[name] as string) });
  }
  return layers;
}

function nest(dotted: string, value: unknown): Tree {
  return dotted
    .split('.')
    .reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Tree;
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

/** Never echoed in an error: the message may land in a CI log. */
const SECRET_KEYS = new Set(['auth.token']);

/** `defaults` lists every key, so it is the reference for "expected one of". */
function describe(issue: z.core.$ZodIssue | undefined, merged: Tree, origin: Map<string, string>, defaults: Tree): string {
  if (!issue) return 'config error: invalid configuration';
  const at = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = [...at, issue.keys[0] ?? ''].join('.');
    const known = Object.keys(lookup(defaults, at) ?? {}).join(', ');
    return `config error: unknown key ${key}${sourceOf(key, origin)}: expected one of ${known}`;
  }
  const key = at.join('.');
  const value = lookup(merged, at);
  const shown = value === undefined ? 'missing' : SECRET_KEYS.has(key) ? '(hidden)' : JSON.stringify(value);
  return `config error: ${key} = ${shown}${sourceOf(key, origin)}: expected ${issue.message}`;
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
