import { z } from 'zod';
import { parseByteSize, parseDuration, toBoolean, toNumber } from './units';

/**
 * What a config key is, besides the values it takes: its default (as written in YAML), its
 * environment variables (the first that is set wins) and one line of help. The schema is the one
 * place these are written; config/default.yaml, config/custom-environment-variables.yaml and
 * docs/configuration.md are generated from it (`npm run config:generate`).
 */
export interface KeyMeta {
  readonly default: unknown;
  readonly help: string;
  readonly env?: readonly string[];
  /** Never echoed: not in an error, not in a log line. */
  readonly secret?: boolean;
}

export const keys = z.registry<KeyMeta>();
/** A section's comment, written above it in config/default.yaml and in the reference. */
export const sections = z.registry<{ readonly help: string }>();

/** A key: its values and what the schema says of it. */
export function key<T extends z.ZodType>(schema: T, meta: KeyMeta): T {
  keys.add(schema, meta);
  return schema;
}

/** A section with a comment. */
export function section<T extends z.ZodType>(schema: T, help: string): T {
  sections.add(schema, { help });
  return schema;
}

/** Each kind makes a fresh schema, so each key carries its own metadata. */
export function int(min: number, max: number) {
  const error = `an integer from ${min} to ${max}`;
  return z.preprocess(toNumber, z.number({ error }).int({ error }).min(min, { error }).max(max, { error }));
}
export const bool = () => z.preprocess(toBoolean, z.boolean({ error: 'true or false' }));
/** A duration up to `max`; 0 only where the key says what 0 means (an SDK or timer given 0 throws or spins). */
export function durationMs(max: string, zero: 'zero allowed' | 'at least 1ms' = 'at least 1ms') {
  const min = zero === 'zero allowed' ? 0 : 1;
  const error = `a duration such as "500ms", "10s" or "2m", from ${min ? '1ms' : '0'} to ${max}`;
  const limit = Number(parseDuration(max));
  return z.preprocess(parseDuration, z.number({ error }).int({ error }).min(min, { error }).max(limit, { error }));
}
export function byteSize() {
  const error = 'a size such as "512KiB", "100MiB" or "1GiB" (0: never)';
  return z.preprocess(parseByteSize, z.number({ error }).int({ error }).min(0, { error }));
}
export const text = () => z.string({ error: 'a non-empty string' }).trim().min(1, { error: 'a non-empty string' });
export const anyText = (error: string) => z.string({ error });
export const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `one of ${values.join(', ')}` });
export const urlOrEmpty = () =>
  z.string({ error: 'an http(s) URL or ""' }).refine((s) => s === '' || /^https?:\/\/[^\s/]+/.test(s), {
    error: 'an http(s) URL such as http://127.0.0.1:4318, or ""',
  });

// Compared against the Authorization header; short secrets are guessable.
export const tokenOrEmpty = () =>
  z
    .string({ error: 'a token of at least 16 characters, or ""' })
    .refine((s) => s === '' || (s.length >= 16 && !/\s/.test(s)), {
      error: 'a token of at least 16 characters without spaces, or "" (no token)',
    });

const splitList = (v: unknown) =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : v;

/** A list in a file, or comma-separated in an environment variable. */
export const hostList = () =>
  z.preprocess(
    splitList,
    z.array(z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, { error: 'host names such as smoke.example.com or 10.0.0.7' }), {
      error: 'a list of host names (comma-separated in the environment), or empty',
    }),
  );

function headerPairs(list: string): Record<string, string> | undefined {
  try {
    const pairs = (splitList(list) as string[]).map((pair) => {
      const at = pair.indexOf('=');
      if (at < 0) throw new URIError('not a name=value pair');
      return [decodeURIComponent(pair.slice(0, at).trim()), decodeURIComponent(pair.slice(at + 1).trim())];
    });
    return Object.fromEntries(pairs) as Record<string, string>;
  } catch {
    return undefined;
  }
}

/** HTTP header names and values sent with every export or query (a tenant, a key): a mapping, or
 * `name=value,name=value` in an environment variable as OTEL_EXPORTER_OTLP_HEADERS writes them. */
export const headerMap = () =>
  z.preprocess(
    // A list that is not all name=value pairs (percent-encoded) stays a string: refused as a whole,
    // never a header named after a value.
    (v) => (typeof v === 'string' ? (headerPairs(v) ?? v) : v),
    z.record(
      z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'HTTP header names' }),
      z.string().regex(/^[^\r\n]*$/, { error: 'header values on one line' }),
      { error: 'a mapping of HTTP header names to values (name=value,… in the environment)' },
    ),
  );

const MATCHER = String.raw`\s*[a-zA-Z_]\w*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*`;
/** Label matchers only (no braces, no functions): the selector is pasted into a PromQL query. */
export const labelMatchers = () =>
  z
    .string({ error: 'label matchers such as job="petsage-smoke"' })
    .refine((s) => s === '' || new RegExp(`^${MATCHER}(,${MATCHER})*,?\\s*$`).test(s), {
      error: 'label matchers such as job="petsage-smoke",namespace="smoke", or ""',
    });
/** A LogQL stream selector such as {service_name="petsage-smoke"}: matchers only, pasted into a query. */
export const streamSelector = () =>
  z
    .string({ error: 'a LogQL stream selector such as {service_name="petsage-smoke"}' })
    .refine((s) => new RegExp(`^\\{${MATCHER}(,${MATCHER})*\\}$`).test(s.trim()), {
      error: 'a LogQL stream selector such as {service_name="petsage-smoke"}',
    });
export const pathPrefix = () =>
  z
    .string({ error: 'a path such as /prometheus, or ""' })
    .regex(/^(\/[\w.-]+)*$/, { error: 'a path such as /prometheus (Mimir), or ""' });

/** A key's environment variables: OTEL_* and PORT as they are, the rest under PETSAGE_SMOKE_. */
export const env = (...names: string[]) =>
  names.map((n) => (n.startsWith('OTEL_') || n === 'PORT' ? n : `PETSAGE_SMOKE_${n}`));
