import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultYaml, envYaml, referenceMarkdown } from '../src/config/reference';
import { configSchema } from '../src/config/schema';

/** The files generated from the config schema; `npm run config:generate` writes them, a test compares them. */
export const GENERATED_FILES: Record<string, (schema: typeof configSchema) => string> = {
  'config/default.yaml': defaultYaml,
  'config/custom-environment-variables.yaml': envYaml,
  'docs/configuration.md': referenceMarkdown,
};

if (require.main === module) {
  const root = path.join(__dirname, '..', '..');
  for (const [file, make] of Object.entries(GENERATED_FILES)) {
    writeFileSync(path.join(root, file), make(configSchema));
    process.stdout.write(`wrote ${file}\n`);
  }
}
