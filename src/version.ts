import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Name and version from package.json, read once; `version` in responses and --version. */
const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { name: string; version: string };

export const PACKAGE_NAME = pkg.name;
export const VERSION = pkg.version;
