import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../src/config/load';
import { tmpDir } from './tmp';

/** A config file with this YAML, in a directory of the test's own. */
export function configFile(yaml: string): string {
  const file = path.join(tmpDir('petsage-config-'), 'config.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** The message of the ConfigError that loading throws (any other outcome fails the test). */
export function configErrorOf(load: () => unknown): string {
  try {
    load();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}
