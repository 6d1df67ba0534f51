import { existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { expect } from 'chai';
import { EVENT, VERIFICATION_EVENT } from '../../src/vocabulary';
import { spawnDaemon, type SpawnedDaemon, UNLIMITED, stopDaemon } from '../support/daemon';
import { gate } from '../support/receipts';
import { tmpDir } from '../support/tmp';

const verificationLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"event":"${VERIFICATION_EVENT}"`));

/** SIGTERM, and the exit code checked. Called at a test's end: a test that failed before leaves its
 * daemon to the cleanup hooks, so its own error is the one reported. */
const stopCleanly = async (daemon: SpawnedDaemon) =>
  expect((await stopDaemon(daemon)).code, daemon.stderr()).to.equal(0);

/** A run whose receipt says its log line was read back from the file. */
async function expectLogVerified(daemon: SpawnedDaemon, id: string) {
  const { status, receipt } = await gate(daemon.url, id);
  expect(status, JSON.stringify(receipt)).to.equal(200);
  expect(receipt.checks['log:verification']?.[0]?.outcome).to.equal('verified');
}

describe('daemon process: the log file on disk', function () {
  this.timeout(60_000);

  it('log.file.required=false: an unwritable log directory means stdout only, with a warning and a log.file_unavailable line, not an exit; the log is then not read back', async () => {
    const blocker = path.join(tmpDir('petsage-log-'), 'not-a-dir');
    writeFileSync(blocker, '');
    const daemon = await spawnDaemon({
      args: ['--log-file', path.join(blocker, 'smoke.log')],
      env: { PETSAGE_SMOKE_LOG_FILE_REQUIRED: 'false' },
    });
    await daemon.waitForStderr('warning: logging to stdout only: cannot write the log file');
    expect((await daemon.waitForEvent('daemon.listening')).files).to.not.have.property('log');
    await daemon.waitForEvent(EVENT.logFileUnavailable);
    const run = (await (await fetch(`${daemon.url}/smoke-test`)).json()) as {
      trace_id: string;
      signals: { log: { status: string } };
    };
    expect(run.signals.log.status).to.equal('emitted');
    await daemon.waitForEvent(VERIFICATION_EVENT, (l) => l.trace_id === run.trace_id);
    const { status, receipt } = await gate(daemon.url);
    expect(status, JSON.stringify(receipt)).to.equal(200);
    expect(receipt.checks['log:verification']![0]).to.include({ outcome: 'skipped', reason: 'disabled' });
    await stopCleanly(daemon);
  });

  it('the log file deleted while running: a new file is opened and read back', async () => {
    const daemon = await spawnDaemon();
    await expectLogVerified(daemon, 'before-delete');
    unlinkSync(daemon.logFile);
    await daemon.waitForEvent('log.reopened');
    await expectLogVerified(daemon, 'after-delete');
    expect(verificationLines(daemon.logFile).join('\n')).to.include('"run_id":"after-delete"');
    await stopCleanly(daemon);
  });

  it('moved away and SIGHUP (logrotate): earlier lines stay in the moved file, later ones go to a new file, both read back', async () => {
    const daemon = await spawnDaemon();
    await expectLogVerified(daemon, 'before-move');
    const moved = `${daemon.logFile}.rotated`;
    renameSync(daemon.logFile, moved);
    daemon.child.kill('SIGHUP');
    await daemon.waitForEvent('log.reopened');
    await expectLogVerified(daemon, 'after-move');
    expect(verificationLines(moved).join('\n')).to.include('"run_id":"before-move"');
    expect(verificationLines(daemon.logFile).join('\n')).to.include('"run_id":"after-move"');
    await stopCleanly(daemon);
  });

  it('a flood rotates the log and the span file by size and keeps maxFiles: disk use is bounded and read-back follows', async () => {
    const maxSize = 64 * 1024;
    // Files this small rotate several times between two reads of the tail: lines in a file rotated
    // past unread are reported not_found at the verify timeout (kept short here).
    const daemon = await spawnDaemon({
      load: true,
      env: {
        ...UNLIMITED,
        PETSAGE_SMOKE_LOG_FILE_MAX_SIZE: '64KiB',
        PETSAGE_SMOKE_LOG_FILE_MAX_FILES: '2',
        PETSAGE_SMOKE_VERIFY_TIMEOUT: '2s',
        PETSAGE_SMOKE_SPAN_FILE_MAX_SIZE: '64KiB',
        PETSAGE_SMOKE_SPAN_FILE_MAX_FILES: '2',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '32',
      },
    });
    const result = await autocannon({ url: `${daemon.url}/smoke-test`, connections: 10, amount: 3000 });
    expect(result['2xx']).to.equal(3000);
    const { status, receipt } = await gate(daemon.url, 'after-flood'); // room of its own: the first time
    expect(status, JSON.stringify(receipt)).to.equal(200);
    expect(receipt.checks['log:verification']?.[0]?.outcome).to.equal('verified');
    await stopCleanly(daemon);
    for (const file of [daemon.logFile, daemon.spanFile]) {
      // README: a file passes maxSize by at most one write (a line, or one span batch: a line too).
      for (const f of [file, `${file}.1`, `${file}.2`]) {
        const text = readFileSync(f);
        const lastLine = text.length - (text.subarray(0, -1).lastIndexOf('\n') + 1);
        expect(statSync(f).size - lastLine, `${f}: ${statSync(f).size} bytes, the last line ${lastLine}`).to.be.at.most(
          maxSize,
        );
      }
      expect(existsSync(`${file}.3`), `${file}: beyond retention`).to.equal(false);
    }
    // Which lines survive is the unit test's subject (test/telemetry/fileTransport.test.ts): here the
    // warnings for runs whose lines were rotated past unread keep rotating the files after the flood.
  });
});
