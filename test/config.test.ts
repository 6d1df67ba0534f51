import { serialize } from 'node:v8';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../src/config/load';
import { configErrorOf, configFile } from './support/config';
import { parseDuration } from '../src/config/units';

/** V8's serializer tags a one-byte string '"' (0x22) and a two-byte one 'c'. */
const isOneByte = (s: string) => serialize(s)[2] === 0x22;

describe('config', () => {
  it('has safe embedded defaults: loopback, port 8080, file log and file spans', () => {
    const config = loadConfig({ env: {} });
    expect(config.server).to.deep.equal({
      host: '127.0.0.1',
      port: 8080,
      shutdownGracePeriod: 10_000,
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      firstByteTimeout: 5000,
      maxConnections: 1024,
      maxConnectionsPerClient: 64,
      trustProxyHops: 0,
      allowedHosts: [],
      probes: { enabled: false, host: '', port: 8081 },
    });
    expect(config.log.file).to.deep.equal({
      enabled: true,
      path: './var/log/petsage-smoke.log',
      required: true,
      maxSize: 100 * 2 ** 20,
      maxFiles: 5,
    });
    expect(config.traces.exporter).to.equal('auto');
    expect(config.traces.requestSpans).to.equal(false);
    expect(config.auth.token).to.equal('');
    expect(config.rateLimit).to.deep.equal({ max: 60, window: 60_000 });
    expect(config.traces.file).to.deep.equal({
      path: './var/spans/petsage-smoke-spans.jsonl',
      maxSize: 100 * 2 ** 20,
      maxFiles: 5,
    });
    expect(Object.isFrozen(config.server)).to.equal(true);
  });

  it('hands out one-byte strings from a file with text past Latin-1, so the JSON built from them is one-byte too', () => {
    const file = configFile(
      '# runs every 15s … or so\nservice:\n  name: checkout-smoke\nlegacyRoutes:\n  systemHealthz:\n    message: "up ✓"\n',
    );
    const config = loadConfig({ env: {}, file });
    expect(config.service.name).to.equal('checkout-smoke');
    expect(isOneByte(config.service.name)).to.equal(true);
    expect(isOneByte(JSON.stringify({ service: config.service.name, seq: 1 }))).to.equal(true);
    expect(isOneByte(loadConfig({ env: {} }).log.file.path)).to.equal(true); // config/default.yaml has a "…" too
    expect(config.legacyRoutes.systemHealthz.message).to.equal('up ✓'); // what needs two bytes keeps them
  });

  it('reads sizes with binary units, and names the key of a bad one', () => {
    expect(loadConfig({ env: { PETSAGE_SMOKE_LOG_FILE_MAX_SIZE: '64KiB' } }).log.file.maxSize).to.equal(65_536);
    expect(loadConfig({ env: { PETSAGE_SMOKE_LOG_FILE_MAX_SIZE: '2048' } }).log.file.maxSize).to.equal(2048);
    expect(() => loadConfig({ env: { PETSAGE_SMOKE_LOG_FILE_MAX_SIZE: '10 megs' } })).to.throw(
      ConfigError,
      /log\.file\.maxSize = "10 megs" \(from PETSAGE_SMOKE_LOG_FILE_MAX_SIZE\)/,
    );
  });

  it('layers defaults < NODE_ENV file < --config < environment < flags', () => {
    const file = configFile('server:\n  port: 7000\n  host: 127.0.0.2\nlog:\n  level: debug\n');
    const config = loadConfig({
      env: { NODE_ENV: 'production', PORT: '7100', PETSAGE_SMOKE_AUTH_TOKEN: 'a-token-of-32-characters-xxxxxxx' },
      file,
      flags: { 'server.port': '7200' },
    });
    expect(config.server.port).to.equal(7200);
    expect(config.server.host).to.equal('127.0.0.2'); // --config beats production.yaml's 0.0.0.0
    expect(config.server.shutdownGracePeriod).to.equal(25_000); // from production.yaml
    expect(config.log.level).to.equal('debug');
    expect(loadConfig({ env: { PORT: '7100' }, file }).server.port).to.equal(7100);
  });

  it('maps OTEL_* variables to their keys, the traces-specific one first; empty counts as unset', () => {
    const config = loadConfig({
      env: {
        OTEL_SERVICE_NAME: 'checkout-smoke',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        PETSAGE_SMOKE_LOG_FILE: '',
      },
    });
    expect(config.service.name).to.equal('checkout-smoke');
    expect(config.traces.exporter).to.equal('otlp');
    expect(config.traces.otlp.endpoint).to.equal('http://127.0.0.1:4318');
    expect(config.traces.otlp.protocol).to.equal('http/json');
    expect(config.traces.batch.scheduledDelay).to.equal(200);
    expect(config.log.file.path).to.equal('./var/log/petsage-smoke.log');
  });

  it('names the key, the value, where it came from and what is expected', () => {
    expect(configErrorOf(() => loadConfig({ env: { PORT: 'eighty' } }))).to.equal(
      'config error: server.port = "eighty" (from PORT): expected an integer from 0 to 65535',
    );
    expect(configErrorOf(() => loadConfig({ env: { OTEL_TRACES_EXPORTER: 'zipkin' } }))).to.equal(
      'config error: traces.exporter = "zipkin" (from OTEL_TRACES_EXPORTER): expected one of auto, otlp, file, console, none',
    );
    expect(configErrorOf(() => loadConfig({ flags: { 'server.port': '70000' } }))).to.include(
      'server.port = "70000" (from --port)',
    );
    const file = configFile('server:\n  shutdownGracePeriod: soon\n');
    expect(configErrorOf(() => loadConfig({ file }))).to.include(
      `server.shutdownGracePeriod = "soon" (from ${file}): expected a duration`,
    );
  });

  it('a duration of 0 only where the key says what 0 means: elsewhere an SDK or a timer would throw or spin', () => {
    for (const variable of [
      'OTEL_METRIC_EXPORT_INTERVAL',
      'OTEL_METRIC_EXPORT_TIMEOUT',
      'PETSAGE_SMOKE_VERIFY_POLL_INTERVAL',
    ]) {
      expect(configErrorOf(() => loadConfig({ env: { OTEL_METRICS_EXPORTER: 'otlp', [variable]: '0' } }))).to.match(
        new RegExp(`^config error: \\S+ = "0" \\(from ${variable}\\): expected a duration .* from 1ms to `),
      );
    }
    const zeroes = loadConfig({
      env: { PETSAGE_SMOKE_INTERVAL: '0', PETSAGE_SMOKE_SPOT_INTERVAL: '0', PETSAGE_SMOKE_PROBE_TIMEOUT_OFFSET: '0' },
    });
    expect([zeroes.schedule.interval, zeroes.retention.spotInterval, zeroes.probe.timeoutOffset]).to.deep.equal([
      0, 0, 0,
    ]);
  });

  it('headers in the environment that are not name=value pairs, or badly percent-encoded, are a config error naming the key', () => {
    for (const headers of ['a=%zz', 'Authorization sup3r-s3cret-value'])
      expect(configErrorOf(() => loadConfig({ env: { OTEL_EXPORTER_OTLP_HEADERS: headers } }))).to.equal(
        'config error: log.otlp.headers = (hidden) (from OTEL_EXPORTER_OTLP_HEADERS): expected a mapping of HTTP header names to values (name=value,… in the environment)',
      );
    expect(
      loadConfig({ env: { OTEL_EXPORTER_OTLP_HEADERS: 'X-Scope-OrgID=team%2Da' } }).traces.otlp.headers,
    ).to.deep.equal({
      'X-Scope-OrgID': 'team-a',
    });
  });

  it('never echoes a secret: not a token, nor a key name typed under auth, nor the credentials in a URL', () => {
    const secret = 'sup3r-s3cret-value';
    const cases = [
      configFile(`auth:\n  token: "${secret} with spaces"\n`),
      configFile(`auth:\n  ${secret}: ""\n`),
      configFile(`verify:\n  log:\n    loki:\n      auth: "${secret}"\n`),
      configFile(`verify:\n  metrics:\n    prometheusUrl: "ftp://user:${secret}@prom:9090/?token=${secret}"\n`),
      configFile(`traces:\n  otlp:\n    headers: "Authorization ${secret}"\n`),
      // The same keys inside a named pipeline.
      configFile(`pipelines:\n  team-a:\n    traces:\n      otlp:\n        headers: "Authorization ${secret}"\n`),
      configFile(`pipelines:\n  team-a:\n    verify:\n      log:\n        loki:\n          auth: "${secret}"\n`),
    ];
    const messages = cases.map((file) => configErrorOf(() => loadConfig({ file })));
    for (const m of messages) expect(m).to.not.include(secret);
    expect(messages[1]).to.match(
      /^config error: unknown key under auth \(its name hidden\) \(from .*\): expected one of token, requireForRuns, required$/,
    );
    expect(messages[3]).to.match(
      /^config error: verify\.metrics\.prometheusUrl = "ftp:\/\/prom:9090\/\?…" \(from .*\): expected/,
    );
    expect(
      configErrorOf(() =>
        loadConfig({ env: { OTEL_EXPORTER_OTLP_HEADERS: `X-Scope-OrgID=team-a,Bad Name=${secret}` } }),
      ),
    ).to.not.include(secret);
  });

  it('auth.required (config/production.yaml) refuses to start without a token, naming the key and how to opt out', () => {
    expect(configErrorOf(() => loadConfig({ env: { NODE_ENV: 'production' } }))).to.equal(
      'config error: auth.token = (hidden) (from the defaults): expected a token (PETSAGE_SMOKE_AUTH_TOKEN) while auth.required is true; or auth.required=false (PETSAGE_SMOKE_AUTH_REQUIRED) to serve /metrics and the run routes without one',
    );
    expect(
      loadConfig({ env: { NODE_ENV: 'production', PETSAGE_SMOKE_AUTH_TOKEN: 'x'.repeat(32) } }).server.host,
    ).to.equal('0.0.0.0');
    expect(loadConfig({ env: { NODE_ENV: 'production', PETSAGE_SMOKE_AUTH_REQUIRED: 'false' } }).auth.token).to.equal(
      '',
    );
  });

  it('rejects unknown keys, listing the known ones', () => {
    const file = configFile('server:\n  prot: 9000\n');
    expect(configErrorOf(() => loadConfig({ file }))).to.equal(
      `config error: unknown key server.prot (from ${file}): expected one of host, port, shutdownGracePeriod, headersTimeout, requestTimeout, firstByteTimeout, maxConnections, maxConnectionsPerClient, trustProxyHops, allowedHosts, probes`,
    );
  });

  it('refuses a config where a run has nowhere to write its log line', () => {
    expect(
      configErrorOf(() =>
        loadConfig({ env: { PETSAGE_SMOKE_LOG_FILE_ENABLED: 'false', PETSAGE_SMOKE_LOG_STDOUT: 'false' } }),
      ),
    ).to.include('log.file.enabled');
  });

  it('explains an unreadable or malformed file', () => {
    expect(configErrorOf(() => loadConfig({ file: '/nonexistent/petsage.yaml' }))).to.include(
      'cannot read config file /nonexistent/petsage.yaml',
    );
    expect(configErrorOf(() => loadConfig({ file: configFile('server: [1, 2\n') }))).to.include('is not valid YAML');
    expect(configErrorOf(() => loadConfig({ file: configFile('- 1\n- 2\n') }))).to.include('must hold a mapping');
  });

  it('parses durations: units, and bare numbers as milliseconds', () => {
    expect(parseDuration('250ms')).to.equal(250);
    expect(parseDuration('1.5s')).to.equal(1500);
    expect(parseDuration('2m')).to.equal(120_000);
    expect(parseDuration('5000')).to.equal(5000);
    expect(parseDuration('soon')).to.equal('soon');
  });
});
