import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { releaseAfter } from './cleanup';

/** A fresh directory, removed after the test that made it (or after the run, when a suite's `before` made it). */
export function tmpDir(prefix = 'petsage-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  releaseAfter(`directory ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
