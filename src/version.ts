import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The version from package.json, read once: `version` in responses and --version. */
export const VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;
