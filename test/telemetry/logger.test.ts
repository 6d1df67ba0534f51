import { readFileSync, writeFileSync } from 'node:fs';
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
