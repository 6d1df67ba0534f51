import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';
import path from 'node:path';
import { expect } from 'chai';
import { VERSION } from '../../src/version';
import { MAIN } from '../support/daemon';
import { tmpDir } from '../support/tmp';

function run(args: string[], env: Record<string, string> = {}) {
  const cwd = tmpDir('petsage-cli-');
  const res = spawnSync(process.execPath, [MAIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr, cwd };
}

function expectOneLineError(stderr: string, ...fragments: string[]) {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).to.have.length(1);
  for (const f of fragments) expect(lines[0]).to.include(f);
  expect(stderr).to.not.match(/\n\s+at /); // no stack trace
}

describe('command line', () => {
  it('--help describes the commands, options and exit codes', () => {
    for (const flag of ['--help', '-h']) {
      const { code, stdout } = run([flag]);
      expect(code).to.equal(0);
      for (const text of ['Usage:', '--config FILE', '--port PORT', '--log-file FILE', 'Exit codes'])
        expect(stdout).to.include(text);
    }
  });

  it('--version prints the package version', () => {
    const { code, stdout } = run(['--version']);
    expect(code).to.equal(0);
    expect(stdout).to.equal(`${VERSION}\n`);
  });

  it('unknown options and commands exit 2 with a hint', () => {
    for (const args of [['--prot', '80'], ['launch']]) {
      const { code, stderr } = run(args);
      expect(code).to.equal(2);
      expect(stderr).to.include("Run 'petsage-smoke --help'");
    }
  });

  describe('invalid configuration exits 2 with one line naming the key', () => {
    it('a bad environment value', () => {
      const { code, stderr } = run([], { PORT: 'eighty' });
      expect(code).to.equal(2);
      expectOneLineError(stderr, 'server.port', '"eighty"', 'PORT', 'expected an integer');
    });

    it('a bad flag value', () => {
      const { code, stderr } = run(['--port', '99999']);
      expect(code).to.equal(2);
      expectOneLineError(stderr, 'server.port', '--port');
    });

    it('an unknown key in a --config file', () => {
      const file = path.join(tmpDir('petsage-cfg-'), 'bad.yaml');
      writeFileSync(file, 'log:\n  levle: debug\n');
      const { code, stderr } = run(['--config', file]);
      expect(code).to.equal(2);
      expectOneLineError(stderr, 'unknown key log.levle', file);
    });

    it('a bad OTEL_* value', () => {
      const { code, stderr } = run([], { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
      expect(code).to.equal(2);
      expectOneLineError(stderr, 'otlp.protocol', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf');
    });
  });

  it('`audit-log` on a file it cannot read (missing, a directory) exits 1 with one line naming it', () => {
    const dir = tmpDir('petsage-audit-');
    for (const file of [path.join(dir, 'missing.log'), dir]) {
      const { code, stdout, stderr } = run(['audit-log', file]);
      expect(code, stdout + stderr).to.equal(1);
      expectOneLineError(stderr, file);
    }
  });

  it('a log file that cannot be created exits 1 and says what to do', () => {
    // A regular file where the log directory should be: fails even for root.
    const blocker = path.join(tmpDir('petsage-log-'), 'not-a-dir');
    writeFileSync(blocker, '');
    const logFile = path.join(blocker, 'smoke.log');
    const { code, stderr } = run(['--port', '0', '--log-file', logFile]);
    expect(code).to.equal(1);
    expectOneLineError(stderr, `cannot write the log file ${logFile}`, 'log.file.required=false');
  });

  it('a port in use exits 1 naming the address', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    try {
      const { code, stderr } = run(['--port', String(port)], { PETSAGE_SMOKE_LOG_STDOUT: 'false' });
      expect(code).to.equal(1);
      expectOneLineError(stderr, `cannot listen on 127.0.0.1:${port}`, 'EADDRINUSE');
    } finally {
      blocker.close();
    }
  });
});
