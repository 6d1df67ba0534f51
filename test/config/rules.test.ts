import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { configWarnings, crossChecks } from '../../src/config/checks';
import { ConfigError, loadConfig, type Config } from '../../src/config/load';
import { pipelinesOf } from '../../src/config/pipelines';
import { configErrorOf, configFile } from '../support/config';
import { tmpDir } from '../support/tmp';

const BASE = loadConfig({ env: {} });

/** The embedded defaults with `section` replaced in part: the rules are checked on the config as given. */
function withSection<K extends 'retention' | 'server'>(section: K, part: Partial<Config[K]>): Config {
  return { ...BASE, [section]: { ...BASE[section], ...part } };
}

const broken = (c: Config) => crossChecks(c).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('config: the rules across keys, at their edges', () => {
  it('the embedded defaults break no rule', () => {
    expect(crossChecks(BASE)).to.deep.equal([]);
  });

  it('runs kept for spot checks need a recheck interval above 0; without spot checks it may be 0', () => {
    expect(broken(withSection('retention', { spotInterval: 60_000, recheckInterval: 0 }))).to.deep.equal([
      'retention.recheckInterval: more than 0 while retention.spotInterval keeps runs to re-read',
    ]);
    expect(broken(withSection('retention', { spotInterval: 0, recheckInterval: 0 }))).to.deep.equal([]);
    expect(broken(withSection('retention', { spotInterval: 60_000, recheckInterval: 1 }))).to.deep.equal([]);
  });

  it('the headers timeout may equal the request timeout, not pass it', () => {
    expect(broken(withSection('server', { headersTimeout: 5000, requestTimeout: 5000 }))).to.deep.equal([]);
    expect(broken(withSection('server', { headersTimeout: 5001, requestTimeout: 5000 }))).to.deep.equal([
      'server.headersTimeout: at most server.requestTimeout (5000 ms): the headers are part of the request',
    ]);
  });

  it('the probe listener needs a port of its own on the same host; 0 (a free port) or another host is fine', () => {
    const probes = (p: Partial<Config['server']['probes']>, host = '127.0.0.1') =>
      broken(withSection('server', { host, port: 8080, probes: { enabled: true, host: '', port: 8081, ...p } }));
    const clash = ['server.probes.port: another port than server.port (8080)'];
    expect(probes({ port: 8080 }), 'host "" is server.host').to.deep.equal(clash);
    expect(probes({ port: 8080, host: '127.0.0.1' })).to.deep.equal(clash);
    expect(probes({ port: 8080, host: '127.0.0.2' }), 'another address').to.deep.equal([]);
    expect(probes({ port: 8080, enabled: false }), 'no probe listener').to.deep.equal([]);
    expect(probes({ port: 8081 })).to.deep.equal([]);
    expect(
      broken(withSection('server', { port: 0, probes: { enabled: true, host: '', port: 0 } })),
      'two free ports',
    ).to.deep.equal([]);
  });

  it('an interval of a second or more, or 0 (no schedule), is not warned about; a named pipeline is warned by its key', () => {
    const warned = (interval: string) => configWarnings(loadConfig({ env: { PETSAGE_SMOKE_INTERVAL: interval } }));
    expect(warned('1000')).to.deep.equal([]);
    expect(warned('0')).to.deep.equal([]);
    expect(warned('999')).to.have.length(1);
    const named = loadConfig({
      env: {},
      file: configFile('pipelines:\n  team-a:\n    schedule: { interval: 250 }\n'),
    });
    expect(configWarnings(named)).to.deep.equal([
      'pipelines.team-a.schedule.interval is 250 ms: a run (a log line, a span, a counter increment) every 250 ms; durations take units, e.g. "15s"',
    ]);
  });
});

describe('config: the layers and how their mistakes are named', () => {
  /** A config directory of the test's own, holding `files` (name to YAML; a name ending in / is a directory). */
  function configDir(files: Record<string, string>): string {
    const dir = tmpDir('petsage-config-dir-');
    for (const [name, yaml] of Object.entries(files))
      if (name.endsWith('/')) mkdirSync(path.join(dir, name));
      else writeFileSync(path.join(dir, name), yaml);
    return dir;
  }

  it('NODE_ENV names a file in the config directory: its mistakes name it; a missing one is no error', () => {
    const dir = configDir({ 'staging.yaml': 'server:\n  port: 70000\n' });
    expect(configErrorOf(() => loadConfig({ env: { NODE_ENV: 'staging' }, configDir: dir }))).to.match(
      /^config error: server\.port = 70000 \(from config\/staging\.yaml\): expected /,
    );
    expect(loadConfig({ env: { NODE_ENV: 'no-such-env' }, configDir: dir }).server.port).to.equal(8080);
  });

  it('a NODE_ENV that is not a plain name reads no file, however it ends', () => {
    // config/production.yaml requires a token: reading it would be a config error.
    expect(() => loadConfig({ env: { NODE_ENV: 'production' } })).to.throw(ConfigError);
    for (const nodeEnv of ['../config/production', 'x/../production', 'production.yaml'])
      expect(loadConfig({ env: { NODE_ENV: nodeEnv } }).auth.required, nodeEnv).to.equal(false);
  });

  it('a NODE_ENV file that exists but cannot be read is a config error', () => {
    const dir = configDir({ 'staging.yaml/': '' });
    expect(configErrorOf(() => loadConfig({ env: { NODE_ENV: 'staging' }, configDir: dir }))).to.match(
      /^config error: cannot read config file .*staging\.yaml: EISDIR/,
    );
  });

  it('malformed YAML is named by its first line only; a ConfigError says it is one', () => {
    const message = configErrorOf(() => loadConfig({ file: configFile('server: [1, 2\n') }));
    expect(message).to.match(/is not valid YAML: [^\n]{10,}$/);
    expect(message.split('\n')).to.have.length(1);
    expect(new ConfigError('x').name).to.equal('ConfigError');
  });

  it('Latin-1 text in a file is kept as written', () => {
    const config = loadConfig({ env: {}, file: configFile('service:\n  name: café-smoke\n') });
    expect(config.service.name).to.equal('café-smoke');
  });

  it('a named pipeline with a span file without an extension gets its own name appended', () => {
    const config = loadConfig({
      env: { PETSAGE_SMOKE_TRACES_EXPORTER: 'file' },
      file: configFile('traces:\n  file:\n    path: ./var/spans/all\npipelines:\n  team-a: {}\n'),
    });
    expect(pipelinesOf(config).map((p) => p.traces.file.path)).to.deep.equal([
      './var/spans/all',
      './var/spans/all-team-a',
    ]);
  });
});
