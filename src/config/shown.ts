import { shownUrl } from '../text';
import { configSchema } from './schema';
import { secretKeys } from './tree';

/** Never echoed in an error (the message may land in a CI log), nor anything on the way to them;
 * nor the name of a key no one knows inside an `auth` block: a secret typed where a key belongs. */
function leadsToSecret(key: string): boolean {
  const own = ownKey(key);
  return secretKeys(configSchema).some((s) => s === own || s.startsWith(`${own}.`) || own.startsWith(`${s}.`));
}

/** A pipeline's keys are the top-level ones under pipelines.<name>. */
const ownKey = (key: string) => /^pipelines\.[^.]+\.(.+)$/.exec(key)?.[1] ?? key;

/** A key as an error may name it: a path inside a secret (a header's name, a typed value) cut at the secret. */
export function shownKey(key: string): string {
  const own = ownKey(key);
  const secret = secretKeys(configSchema).find((s) => own.startsWith(`${s}.`));
  return secret ? key.slice(0, key.length - own.length + secret.length) : key;
}

/** A value as an error may show it: secrets hidden, URLs without credentials. */
export function shown(key: string, value: unknown): string {
  if (value === undefined) return 'missing';
  if (leadsToSecret(key)) return '(hidden)';
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()))
    return JSON.stringify(shownUrl(value.trim()));
  return JSON.stringify(value);
}
