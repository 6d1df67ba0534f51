import { expect } from 'chai';
import { configWarnings } from '../../src/config/checks';
import { loadConfig } from '../../src/config/load';
import { pipelinesOf } from '../../src/config/pipelines';
import { configErrorOf, configFile } from '../support/config';

describe('config: named pipelines', () => {
  it('the top-level settings are the pipeline "default"; with none named, it is the only one', () => {
    expect(pipelinesOf(loadConfig({ env: {} })).map((p) => p.name)).to.deep.equal(['default']);
  });

  it('a named pipeline takes each key it does not set from the top level, validated and converted as they are', () => {
    const config = loadConfig({
      env: { PETSAGE_SMOKE_LOKI_URL: 'http://loki:3100', PETSAGE_SMOKE_VERIFY_TIMEOUT: '45s' },
      file: configFile(
        [
          'pipelines:',
          '  team-a:',
          '    log: { otlp: { endpoint: "http://collector:4318", headers: { X-Scope-OrgID: team-a } } }',
          '    verify: { log: { loki: { tenant: team-a } }, metrics: { prometheusUrl: "http://mimir:8080", pathPrefix: /prometheus, tenant: team-a } }',
          '    schedule: { interval: 1m }',
        ].join('\n'),
      ),
    });
    const [main, teamA] = pipelinesOf(config);
    expect(teamA!.name).to.equal('team-a');
    expect(teamA!.verify.log.loki).to.include({
      url: 'http://loki:3100',
      tenant: 'team-a',
      tenantHeader: 'X-Scope-OrgID',
    });
    expect(teamA!.verify.timeout).to.equal(45_000);
    expect(teamA!.schedule.interval).to.equal(60_000);
    expect(teamA!.log.otlp.headers).to.deep.equal({ 'X-Scope-OrgID': 'team-a' });
    expect(teamA!.traces.file.path, 'a span file of its own').to.equal('./var/spans/petsage-smoke-spans-team-a.jsonl');
    expect(main!.verify.log.loki.tenant).to.equal('');
  });

  it('a mistake in a pipeline names the pipeline and the key; "default" is taken; keys that are not a path\'s are refused', () => {
    expect(
      configErrorOf(() => loadConfig({ file: configFile('pipelines:\n  team-a:\n    verify: { timeout: soon }\n') })),
    ).to.match(/^config error: pipelines\.team-a\.verify\.timeout = "soon" \(from .*\): expected a duration/);
    expect(configErrorOf(() => loadConfig({ file: configFile('pipelines:\n  default: {}\n') }))).to.match(
      /^config error: pipelines\.default = \{\} .*: expected another name: "default" is the top-level settings' own$/,
    );
    expect(configErrorOf(() => loadConfig({ file: configFile('pipelines:\n  Team A: {}\n') }))).to.match(
      /expected a pipeline name of 1-32 lower-case letters/,
    );
    expect(
      configErrorOf(() => loadConfig({ file: configFile('pipelines:\n  team-a:\n    server: { port: 1 }\n') })),
    ).to.match(
      /^config error: unknown key pipelines\.team-a\.server .*: expected one of traces, log, metrics, verify, schedule, retention$/,
    );
  });

  it('two pipelines cannot share a span file, nor read traces from two stores', () => {
    expect(
      configErrorOf(() =>
        loadConfig({
          file: configFile(
            'pipelines:\n  team-a:\n    traces: { file: { path: ./var/spans/petsage-smoke-spans.jsonl } }\n',
          ),
        }),
      ),
    ).to.match(
      /^config error: pipelines\.team-a\.traces\.file\.path = .*: expected a span file of its own \(pipeline default writes/,
    );
    expect(
      configErrorOf(() =>
        loadConfig({
          env: { PETSAGE_SMOKE_TEMPO_URL: 'http://tempo:3200' },
          file: configFile(
            'pipelines:\n  team-a:\n    verify: { traces: { jaeger: { url: "http://jaeger:16686" } } }\n',
          ),
        }),
      ),
    ).to.match(/pipelines\.team-a\.verify\.traces\.tempo\.url .*one trace store/);
  });
});

describe('config: warnings', () => {
  it('an interval under a second is allowed, and said: a bare number is milliseconds', () => {
    expect(configWarnings(loadConfig({ env: { PETSAGE_SMOKE_INTERVAL: '15' } }))).to.deep.equal([
      'schedule.interval is 15 ms: a run (a log line, a span, a counter increment) every 15 ms; durations take units, e.g. "15s"',
    ]);
    expect(configWarnings(loadConfig({ env: {} }))).to.deep.equal([]);
  });
});
