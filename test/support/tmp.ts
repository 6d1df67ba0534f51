import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh directory per test. */
export const tmpDir = (prefix = 'petsage-') => mkdtempSync(path.join(tmpdir(), prefix));
