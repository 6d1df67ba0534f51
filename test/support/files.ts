import { watch, readFileSync } from 'node:fs';
import path from 'node:path';
import { releaseAfter } from './cleanup';

/**
 * Resolves with a file's text once `holds` is true of it: checked now and whenever its directory
 * changes (a file written to a temporary name and renamed over the old one shows up as a rename).
 * Bounded by the caller's test timeout; the watch is closed after the test, whatever its end.
 */
export function fileWhere(file: string, holds: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return false; // not there yet
      }
      try {
        if (!holds(text)) return false;
        resolve(text);
      } catch (err) {
        reject(err as Error);
      }
      watcher.close();
      return true;
    };
    const watcher = watch(path.dirname(file), () => void check());
    releaseAfter(`watch of ${file}`, () => watcher.close());
    watcher.on('error', (err) => {
      watcher.close();
      reject(err);
    });
    check();
  });
}
