import { z } from 'zod';
import { keys, sections, type KeyMeta } from './kinds';

/** One key of the schema, where it sits, and what the schema says of it. */
export interface KeyEntry {
  readonly path: readonly string[];
  readonly meta: KeyMeta;
}

/** One section (a mapping of keys), with its comment if it has one. */
export interface SectionEntry {
  readonly path: readonly string[];
  readonly help?: string;
}

/** The schema's sections and keys in the order they are declared. */
export function* walk(schema: z.ZodType, at: readonly string[] = []): Generator<KeyEntry | SectionEntry> {
  if (schema instanceof z.ZodObject) {
    const help = sections.get(schema)?.help;
    if (at.length > 0) yield { path: at, ...(help ? { help } : {}) };
    for (const [name, child] of Object.entries(schema.shape as Record<string, z.ZodType>))
      yield* walk(child, [...at, name]);
    return;
  }
  const meta = keys.get(schema);
  if (!meta)
    throw new Error(`config key ${at.join('.')} has no default, help or environment (use key() in the schema)`);
  yield { path: at, meta };
}

export const isKey = (e: KeyEntry | SectionEntry): e is KeyEntry => 'meta' in e;
const walked = new WeakMap<z.ZodType, readonly KeyEntry[]>();
/** The schema's keys, walked once per schema: defaults, variables and secrets all come from one walk. */
export function keysOf(schema: z.ZodType): readonly KeyEntry[] {
  let keys = walked.get(schema);
  if (!keys) walked.set(schema, (keys = [...walk(schema)].filter(isKey)));
  return keys;
}

type Tree = { [key: string]: unknown };

/** Every key at its default: the bottom layer of the configuration. */
export function defaultsOf(schema: z.ZodType): Tree {
  const tree: Tree = {};
  for (const { path, meta } of keysOf(schema)) {
    let node = tree;
    for (const name of path.slice(0, -1)) node = (node[name] ??= {}) as Tree;
    node[path[path.length - 1] as string] = structuredClone(meta.default);
  }
  return tree;
}

/** Environment variable(s) per dotted key, in the order they are tried. */
export function envBindings(schema: z.ZodType): [string, readonly string[]][] {
  return keysOf(schema).flatMap(({ path, meta }) =>
    meta.env ? [[path.join('.'), meta.env] as [string, readonly string[]]] : [],
  );
}

/** Dotted keys whose values are never echoed. */
export function secretKeys(schema: z.ZodType): string[] {
  return keysOf(schema)
    .filter(({ meta }) => meta.secret)
    .map(({ path }) => path.join('.'));
}
