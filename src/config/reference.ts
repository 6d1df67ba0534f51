import { stringify } from 'yaml';
import type { z } from 'zod';
import { isKey, walk, type KeyEntry, type SectionEntry } from './tree';

/**
 * What is generated from the schema (`npm run config:generate`) and checked against it by a test:
 * config/default.yaml, config/custom-environment-variables.yaml and docs/configuration.md.
 */

const GENERATED = 'Generated from src/config/schema.ts by `npm run config:generate`: edit the schema, not this file.';

/** A value as YAML writes it on one line. */
const yamlValue = (value: unknown) => stringify(value, { flowCollectionPadding: false, lineWidth: 0 }).trim();

/** Text cut into lines of at most `width` characters, each a comment. */
function comment(text: string, indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + 2 + line.length + 1 + word.length > width) {
      lines.push(`${indent}# ${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(`${indent}# ${line}`);
  return lines;
}

const indentOf = (path: readonly string[]) => '  '.repeat(path.length - 1);

/** config/default.yaml: every key at its default, with its help; each section's comment above it. */
export function defaultYaml(schema: z.ZodType): string {
  const out = [
    `# Every key petsage-smoke reads, at its default. ${GENERATED}`,
    '# Durations: "250ms", "10s", "2m" (a bare number is milliseconds, as in OTEL_* variables).',
    '# Sizes: "512KiB", "100MiB", "1GiB". Load order, later wins: these defaults, config/<NODE_ENV>.yaml,',
    '# --config FILE, environment variables (config/custom-environment-variables.yaml), command-line flags.',
  ];
  for (const entry of walk(schema)) {
    const name = entry.path[entry.path.length - 1];
    const indent = indentOf(entry.path);
    if (!isKey(entry)) {
      if (entry.path.length === 1) out.push('');
      if (entry.help) out.push(...comment(entry.help, indent));
      out.push(`${indent}${name}:`);
      continue;
    }
    out.push(`${indent}${name}: ${yamlValue(entry.meta.default)}`.padEnd(40) + `  # ${entry.meta.help}`);
  }
  return `${out.join('\n')}\n`;
}

/** config/custom-environment-variables.yaml: which variables set which key. */
export function envYaml(schema: z.ZodType): string {
  const entries = [...walk(schema)];
  const hasEnv = (section: SectionEntry) =>
    entries.some((e) => isKey(e) && e.meta.env && section.path.every((p, i) => e.path[i] === p));
  const out = [
    `# Environment variable -> config key. ${GENERATED}`,
    '# Where a list is given, the first variable that is set wins; an empty variable counts as unset.',
    '# OTEL_* variables keep their standard meaning.',
  ];
  for (const entry of entries) {
    const name = entry.path[entry.path.length - 1];
    const indent = indentOf(entry.path);
    if (!isKey(entry)) {
      if (hasEnv(entry)) out.push(`${indent}${name}:`);
    } else if (entry.meta.env) {
      const vars = entry.meta.env;
      out.push(`${indent}${name}: ${vars.length === 1 ? vars[0] : `[${vars.join(', ')}]`}`);
    }
  }
  return `${out.join('\n')}\n`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** docs/configuration.md: a table per top-level section. */
export function referenceMarkdown(schema: z.ZodType): string {
  const out = [
    '# Configuration',
    '',
    `<!-- ${GENERATED} -->`,
    '',
    'Every key, its default, the environment variables that set it (the first one set wins) and what it does.',
    'Layers, later wins: the defaults, `config/<NODE_ENV>.yaml`, `--config FILE`, environment variables,',
    'command-line flags (`--host`, `--port`, `--log-file`). Durations: `250ms`, `10s`, `2m`, `1h` (a bare',
    'number is milliseconds). Sizes: `512KiB`, `100MiB`, `1GiB`. A mistake is an error naming the key, its',
    'value (never a secret) and where it came from; the daemon then exits 2.',
    '',
    'This page is the reference. How the keys work together is in [operations.md](operations.md) (where each',
    'signal is read back from, the state file, the files on disk) and [pipelines.md](pipelines.md) (`pipelines`,',
    '`probe`); the first steps are in the [README](../README.md).',
  ];
  let current: string | undefined;
  for (const entry of walk(schema)) {
    const top = entry.path[0] as string;
    if (top !== current) {
      current = top;
      out.push('', `## \`${top}\``, '');
      if (!isKey(entry) && entry.help) out.push(entry.help, '');
      out.push('| key | default | environment | what it does |', '|---|---|---|---|');
    }
    if (!isKey(entry)) {
      if (entry.path.length > 1 && entry.help) out.push(`| \`${entry.path.join('.')}\` | | | ${cell(entry.help)} |`);
      continue;
    }
    out.push(row(entry));
  }
  return `${out.join('\n')}\n`;
}

function row({ path, meta }: KeyEntry): string {
  const env = (meta.env ?? []).map((v) => `\`${v}\``).join(', ');
  return `| \`${path.join('.')}\` | \`${cell(yamlValue(meta.default))}\` | ${env} | ${cell(meta.help)}${meta.secret ? ' (secret: never logged or echoed)' : ''} |`;
}
