import { once } from 'node:events';
import { readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import winston from 'winston';
import { createLogger, LogSetupError, type LogSettings } from '../../src/telemetry/logger';
import { FileLineTransport } from '../../src/telemetry/fileTransport';
import { EVENT, VERIFICATION_MESSAGE } from '../../src/vocabulary';
import { releaseAfter } from '../support/cleanup';
import { tmpDir } from '../support/tmp';

const settings = (file: Partial<LogSettings['file']>, stdout = false): LogSettings => ({
  service: 'petsage-smoke',
  processId: 'p-1',
  level: 'info',
  file: { enabled: true, path: '-', required: true, maxSize: 0, maxFiles: 1, ...file },
  stdout: { enabled: stdout },
});
const kinds = (logger: winston.Logger) =>
  logger.transports.map((t) =>
    t instanceof FileLineTransport ? 'file' : t instanceof winston.transports.Console ? 'stdout' : '?',
  );

function opened(s: LogSettings) {
  const logs = createLogger(s);
  releaseAfter('logger', () => logs.close());
  return logs;
}

describe('createLogger: where the lines go', () => {
  it('the file (its directory made), with its path; a verification line carries the run, the process and the run timestamp', async () => {
    const file = path.join(tmpDir(), 'nested', 'dir', 'smoke.log');
    const logs = createLogger(settings({ path: file }));
    expect([logs.file, logs.fallback, kinds(logs.logger)]).to.deep.equal([file, undefined, ['file']]);
    const written = logs.port.writeVerification({
      runId: 'r-1',
      traceId: 't'.repeat(32),
      spanId: 's'.repeat(16),
      seq: 7,
      trigger: 'api',
      pipeline: 'edge',
      timestamp: '2026-12-06T10:00:00.000Z',
    });
    expect(written).to.deep.equal({ status: 'emitted' });
    await logs.close();
    const [line] = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown);
    expect(line).to.deep.equal({
      level: 'info',
      message: VERIFICATION_MESSAGE,
      service: 'petsage-smoke',
      event: EVENT.verification,
      run_id: 'r-1',
      trace_id: 't'.repeat(32),
      span_id: 's'.repeat(16),
      seq: 7,
      trigger: 'api',
      pipeline: 'edge',
      process_id: 'p-1',
      timestamp: '2026-12-06T10:00:00.000Z',
    });
  });

  it('stdout besides the file when log.stdout.enabled; stdout alone when the file is off', () => {
    const dir = tmpDir();
    expect(kinds(opened(settings({ path: path.join(dir, 'a.log') }, true)).logger)).to.deep.equal(['file', 'stdout']);
    const off = opened(settings({ enabled: false }));
    expect([off.file, kinds(off.logger)]).to.deep.equal([undefined, ['stdout']]);
  });

  it('a directory that cannot be made: refused naming the file and the ways out, or stdout with the reason when not required', () => {
    const blocker = path.join(tmpDir(), 'a-file');
    writeFileSync(blocker, '');
    const file = path.join(blocker, 'smoke.log'); // under a regular file: no directory can be made
    expect(() => createLogger(settings({ path: file })))
      .to.throw(LogSetupError)
      .with.property('message')
      .that.matches(new RegExp(`^cannot write the log file ${file}: EEXIST.*log\\.file\\.required=false`, 's'));
    const logs = opened(settings({ path: file, required: false }));
    expect([logs.file, kinds(logs.logger)]).to.deep.equal([undefined, ['stdout']]);
    expect(logs.fallback).to.match(new RegExp(`^cannot write the log file ${file}: `));
  });
});

describe('createLogger: a file that fails, heals or is reopened', () => {
  const RUN = {
    runId: 'r-1',
    traceId: 't'.repeat(32),
    spanId: 's'.repeat(16),
    seq: 1,
    trigger: 'api',
    pipeline: 'default',
    timestamp: '2026-12-06T10:00:00.000Z',
  } as const;
  const fileOf = (logs: ReturnType<typeof createLogger>) => logs.logger.transports[0] as FileLineTransport;

  it('reopen starts a new file at the path and says so in it, naming the file', async () => {
    const file = path.join(tmpDir(), 'smoke.log');
    const logs = createLogger(settings({ path: file }));
    const logged = once(fileOf(logs), 'logged');
    logs.logger.info('before the move');
    await logged;
    renameSync(file, `${file}.1`);
    logs.reopen();
    await logs.close();
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.message, l.event, l.log_file])).to.deep.equal([
      ['log file reopened', EVENT.logReopened, file],
    ]);
  });

  it('a failed write fails the next verification line (write_failed) until a line reaches the file again', async () => {
    const file = path.join(tmpDir(), 'smoke.log');
    symlinkSync('/dev/full', file); // every write fails with ENOSPC
    const logs = createLogger(settings({ path: file }));
    releaseAfter('logger', () => logs.close());
    const failed = once(fileOf(logs), 'error');
    logs.logger.info('disk full');
    await failed;
    expect(logs.writeFailed()).to.equal(true);
    expect(logs.port.writeVerification(RUN)).to.deep.equal({ status: 'error', reason: 'write_failed' });
    unlinkSync(file); // room again
    logs.reopen();
    const logged = once(fileOf(logs), 'logged');
    logs.logger.info('room again');
    await logged;
    expect(logs.writeFailed()).to.equal(false);
    expect(logs.port.writeVerification(RUN)).to.deep.equal({ status: 'emitted' });
  });

  it('the refusal of a directory names itself and every way out', () => {
    const blocker = path.join(tmpDir(), 'a-file');
    writeFileSync(blocker, '');
    const file = path.join(blocker, 'smoke.log');
    expect(() => createLogger(settings({ path: file })))
      .to.throw(LogSetupError)
      .that.includes({ name: 'LogSetupError' })
      .and.has.property('message')
      .that.matches(
        /: EEXIST.*\. Fix the directory's permissions, set log\.file\.path \(PETSAGE_SMOKE_LOG_FILE\) elsewhere, or log\.file\.required=false \(PETSAGE_SMOKE_LOG_FILE_REQUIRED\) to log to stdout only when the file cannot be opened$/,
      );
  });
});
