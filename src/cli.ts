import { parseArgs } from 'node:util';

export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'serve'; readonly configFile?: string; readonly flags: Record<string, string> }
  | { readonly kind: 'usage'; readonly message: string };

export const HELP = `petsage-smoke: proves that logs, metrics and traces flow end to end.

Each smoke run writes one log line, emits one span and increments one counter, all
stamped with the same run id (the trace id).

Usage:
  petsage-smoke [serve] [options]     run the daemon (the default command)

Options:
  -c, --config FILE     YAML file layered over config/default.yaml
      --host HOST       listen address (server.host; default 127.0.0.1)
  -p, --port PORT       listen port, 0 for a free one (server.port; env PORT; default 8080)
      --log-file FILE   verification log file (log.file.path; default ./var/log/petsage-smoke.log)
  -h, --help            show this help
  -V, --version         print the version

Configuration: config/default.yaml lists every key; environment variables are mapped in
config/custom-environment-variables.yaml (OTEL_* keep their standard meaning).
Precedence: defaults < config/$NODE_ENV.yaml < --config < environment < flags.

Routes: GET /smoke-test, /api/v1/smoke-test, /metrics, /livez, /readyz, /healthz
Exit codes: 0 clean shutdown, 1 runtime failure, 2 usage or configuration error.
`;

export function parseCli(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        host: { type: 'string' },
        port: { type: 'string', short: 'p' },
        'log-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (err) {
    return { kind: 'usage', message: (err as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command = 'serve', ...extra] = positionals;
  if (command !== 'serve') return { kind: 'usage', message: `unknown command '${command}'` };
  if (extra.length > 0) return { kind: 'usage', message: `unexpected argument '${extra[0]}'` };

  const flags: Record<string, string> = {};
  if (values.host !== undefined) flags['server.host'] = values.host;
  if (values.port !== undefined) flags['server.port'] = values.port;
  if (values['log-file'] !== undefined) flags['log.file.path'] = values['log-file'];
  return { kind: 'serve', flags, ...(values.config !== undefined ? { configFile: values.config } : {}) };
}
