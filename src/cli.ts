import { parseArgs } from 'node:util';
import { parseDuration } from './config/units';
import { PIPELINE_NAME_PATTERN, RUN_ID_PATTERN } from './vocabulary';

export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'serve'; readonly configFile?: string; readonly flags: Record<string, string> }
  | {
      readonly kind: 'check';
      readonly url: string;
      readonly timeoutMs: number;
      readonly id?: string;
      readonly pipeline?: string;
    }
  | { readonly kind: 'audit-log'; readonly file: string }
  | { readonly kind: 'usage'; readonly message: string };

export const HELP = `petsage-smoke: proves that logs, metrics and traces flow end to end.

Each smoke run writes one log line, emits one span and increments one counter, all
stamped with the same run id (the trace id), then reads each signal back.

Usage:
  petsage-smoke [serve] [options]     run the daemon (the default command)
  petsage-smoke check --url URL [--timeout 60s] [--id ID] [--pipeline NAME]
                                      trigger a run on a running daemon, wait for its verdict;
                                      exit 0 only when every signal is verified
                                      (sends PETSAGE_SMOKE_AUTH_TOKEN as a bearer token if set)
  petsage-smoke audit-log FILE        account for every verification line in a log file:
                                      seq gaps (lost lines), duplicates, out of order; exit 1 on gaps

Options (serve):
  -c, --config FILE     YAML file layered over config/default.yaml
      --host HOST       listen address (server.host; default 127.0.0.1)
  -p, --port PORT       listen port, 0 for a free one (server.port; env PORT; default 8080)
      --log-file FILE   verification log file (log.file.path; default ./var/log/petsage-smoke.log)
  -h, --help            show this help
  -V, --version         print the version

Configuration: config/default.yaml lists every key; environment variables are mapped in
config/custom-environment-variables.yaml (OTEL_* keep their standard meaning).
Precedence: defaults < config/$NODE_ENV.yaml < --config < environment < flags.

Routes: GET /smoke-test[?pipeline=]; POST /smoke-test {"id","wait","pipeline"}; GET /smoke-test/:id;
        GET /probe?pipeline= (Prometheus drives a run, as blackbox_exporter); GET /metrics, /livez,
        /readyz, /healthz; POST /-/suspend, /-/resume; GET /, /status, /openapi.json, /docs,
        /runbooks; earlier PetSage paths as configured aliases. docs/http-api.md has them all.
Access: auth.token (PETSAGE_SMOKE_AUTH_TOKEN) guards /metrics, POST /smoke-test and /-/*;
        rateLimit.max per rateLimit.window limits runs per client address (429, Retry-After).
Signals: SIGTERM/SIGINT drain and exit 0 (a second one exits 1); SIGHUP reopens the log file.
Exit codes: 0 success, 1 runtime failure or failed verification, 2 usage or configuration error.
`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  'log-file': { type: 'string' },
  url: { type: 'string' },
  timeout: { type: 'string' },
  id: { type: 'string' },
  pipeline: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

const ALLOWED: Record<string, readonly string[]> = {
  serve: ['config', 'host', 'port', 'log-file'],
  check: ['url', 'timeout', 'id', 'pipeline'],
  'audit-log': [],
};

export function parseCli(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS });
  } catch (err) {
    return { kind: 'usage', message: (err as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command = 'serve', ...args] = positionals;
  const allowed = ALLOWED[command];
  if (!allowed) return { kind: 'usage', message: `unknown command '${command}'` };
  const stray = Object.keys(values).find((k) => !allowed.includes(k));
  if (stray) return { kind: 'usage', message: `option --${stray} does not apply to '${command}'` };

  if (command === 'audit-log') {
    if (args.length !== 1) return { kind: 'usage', message: 'audit-log takes one FILE' };
    return { kind: 'audit-log', file: args[0] as string };
  }
  if (args.length > 0) return { kind: 'usage', message: `unexpected argument '${args[0]}'` };

  if (command === 'check') {
    if (!values.url || !/^https?:\/\/[^\s/]+/.test(values.url))
      return { kind: 'usage', message: 'check needs --url http://HOST:PORT' };
    const timeoutMs = parseDuration(values.timeout ?? '60s');
    if (typeof timeoutMs !== 'number' || timeoutMs <= 0)
      return { kind: 'usage', message: `--timeout takes a duration such as 30s or 2m, got '${values.timeout}'` };
    if (values.id !== undefined && !RUN_ID_PATTERN.test(values.id))
      return { kind: 'usage', message: '--id takes 1-128 letters, digits and . _ : -' };
    if (values.pipeline !== undefined && !PIPELINE_NAME_PATTERN.test(values.pipeline))
      return { kind: 'usage', message: '--pipeline takes a pipeline name: 1-32 lower-case letters, digits, _ and -' };
    return {
      kind: 'check',
      url: values.url,
      timeoutMs,
      ...(values.id !== undefined ? { id: values.id } : {}),
      ...(values.pipeline !== undefined ? { pipeline: values.pipeline } : {}),
    };
  }

  const flags: Record<string, string> = {};
  if (values.host !== undefined) flags['server.host'] = values.host;
  if (values.port !== undefined) flags['server.port'] = values.port;
  if (values['log-file'] !== undefined) flags['log.file.path'] = values['log-file'];
  return { kind: 'serve', flags, ...(values.config !== undefined ? { configFile: values.config } : {}) };
}
