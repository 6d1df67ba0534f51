import path from 'node:path';
import { DEFAULT_PIPELINE } from '../vocabulary';
import { pipelinesOf, spanFileOf } from './pipelines';
import type { Config } from './schema';

/** A rule across keys that the schema of each key cannot say: where it is broken, and what is expected. */
export interface CrossIssue {
  readonly path: readonly string[];
  readonly message: string;
}

/** Every rule that holds between keys; the first broken one is the config error. */
export function crossChecks(c: Config): CrossIssue[] {
  const issues: CrossIssue[] = [];
  const expect = (holds: boolean, path: string, message: string) => {
    if (!holds) issues.push({ path: path.split('.'), message });
  };
  expect(
    !(c.retention.spotInterval > 0 && c.retention.recheckInterval === 0),
    'retention.recheckInterval',
    'more than 0 while retention.spotInterval keeps runs to re-read',
  );
  expect(
    c.server.headersTimeout <= c.server.requestTimeout,
    'server.headersTimeout',
    `at most server.requestTimeout (${c.server.requestTimeout} ms): the headers are part of the request`,
  );
  const spanFiles = new Map<string, string>();
  for (const p of pipelinesOf(c)) {
    const at = p.name === DEFAULT_PIPELINE ? '' : `pipelines.${p.name}.`;
    const { queryUrl, tempo, jaeger } = p.verify.traces;
    expect(
      [queryUrl, tempo.url, jaeger.url].filter(Boolean).length <= 1,
      `${at}verify.traces.tempo.url`,
      `one trace store: set only one of ${at}verify.traces.queryUrl, .tempo.url, .jaeger.url`,
    );
    const file = spanFileOf(p.traces);
    const other = file && spanFiles.get(path.resolve(file));
    expect(!other, `${at}traces.file.path`, `a span file of its own (pipeline ${other} writes ${file})`);
    if (file) spanFiles.set(path.resolve(file), p.name);
  }
  expect(
    !(c.auth.requireForRuns && !c.auth.token),
    'auth.requireForRuns',
    'false while auth.token is empty (there is no token to require)',
  );
  expect(
    !(c.auth.required && !c.auth.token),
    'auth.token',
    'a token (PETSAGE_SMOKE_AUTH_TOKEN) while auth.required is true; or auth.required=false (PETSAGE_SMOKE_AUTH_REQUIRED) to serve /metrics and the run routes without one',
  );
  expect(
    c.log.file.enabled || c.log.stdout.enabled,
    'log.file.enabled',
    'true while log.stdout.enabled is false (a run needs somewhere to write its line)',
  );
  expect(
    !(
      c.server.probes.enabled &&
      c.server.probes.port !== 0 &&
      c.server.probes.port === c.server.port &&
      (c.server.probes.host || c.server.host) === c.server.host
    ),
    'server.probes.port',
    `another port than server.port (${c.server.port})`,
  );
  return issues;
}

/** What is allowed but rarely meant: said once at start, on stderr and in the log. */
export function configWarnings(c: Config): string[] {
  return pipelinesOf(c).flatMap((p) => {
    const key = p.name === DEFAULT_PIPELINE ? 'schedule.interval' : `pipelines.${p.name}.schedule.interval`;
    const ms = p.schedule.interval;
    return ms > 0 && ms < 1000
      ? [
          `${key} is ${ms} ms: a run (a log line, a span, a counter increment) every ${ms} ms; durations take units, e.g. "15s"`,
        ]
      : [];
  });
}
