import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { fileLogReader, verificationTraceId } from '../../src/readers/logFile';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import type { SmokeRun } from '../../src/smoke/types';
import { Pending } from '../../src/verify/pending';
import { PendingRuns } from '../../src/verify/pendingRuns';
import { createSignalVerifier } from '../../src/verify/signalVerifier';
import { EVENT, VERIFICATION_MESSAGE } from '../../src/vocabulary';
import { fakePorts, readOnce } from '../support/fakes';
import { tmpDir } from '../support/tmp';

const line = (run: SmokeRun) =>
  `${JSON.stringify({ event: EVENT.verification, level: 'info', message: VERIFICATION_MESSAGE, run_id: run.id, seq: run.seq, span_id: run.spanId, trace_id: run.traceId })}\n`;

describe('log file reader', () => {
  const runs = (n: number) => {
    const run = createSmokeRunner(fakePorts().ports);
    return Array.from({ length: n }, () => run('schedule'));
  };

  it('finds the trace id of a verification line, and nothing in other lines', () => {
    const [run] = runs(1) as [SmokeRun];
    expect(verificationTraceId(line(run))).to.equal(run.traceId);
    expect(verificationTraceId(`{"event":"${EVENT.listening}","trace_id":"abc"}`)).to.equal(undefined);
    expect(verificationTraceId(`{"event":"${EVENT.verification}","trace_id":"abc`)).to.equal(undefined);
  });

  it('a file rotated past between two reads is never read: its runs are reported not_found at their deadline', async () => {
    const file = path.join(tmpDir(), 'smoke.log');
    const [a, b, lost, c] = runs(4) as [SmokeRun, SmokeRun, SmokeRun, SmokeRun];
    writeFileSync(file, '');
    const reader = fileLogReader({ file, writeFailed: () => false });
    const found: string[] = [];
    const pending = new PendingRuns({ timeoutMs: 60_000, mono: () => performance.now(), onExpire: () => undefined });
    const verifier = createSignalVerifier({
      signal: 'log',
      readers: [reader],
      pollMs: 60_000,
      mono: () => performance.now(),
      pending,
      onFinding: (run, finding) => {
        run.decide('log', finding, Date.now());
        pending.delete(run);
        found.push(`${run.id}:${finding.outcome}`);
      },
    });
    const entries = [a, b, lost, c].map((run) => new Pending(run, performance.now()));
    for (const entry of entries) {
      pending.add(entry);
      verifier.verify(entry);
    }
    appendFileSync(file, line(a));
    await verifier.readNow(); // the tail now holds the first file open
    // Two rotations before the next read, as logrotate shifts them: the middle file is never opened.
    appendFileSync(file, line(b));
    renameSync(file, `${file}.1`);
    writeFileSync(file, line(lost));
    renameSync(`${file}.1`, `${file}.2`);
    renameSync(file, `${file}.1`);
    writeFileSync(file, line(c));
    await verifier.readNow();
    expect(found).to.deep.equal([`${a.id}:verified`, `${b.id}:verified`, `${c.id}:verified`]);
    expect(verifier.expire(entries[2]!)).to.deep.include({ outcome: 'missing', reason: 'not_found', backend: 'file' });
    pending.delete(entries[2]!);
    await verifier.stop();
  });

  it('reports the waiting runs whose lines were appended since it was made, in one read; earlier lines are skipped', async () => {
    const file = path.join(tmpDir(), 'smoke.log');
    const [old, a, b, other] = runs(4) as [SmokeRun, SmokeRun, SmokeRun, SmokeRun];
    writeFileSync(file, line(old));
    const reader = fileLogReader({ file, writeFailed: () => false });
    appendFileSync(file, line(a) + line(other) + line(b));
    const hits = await readOnce(reader, [old, a, b]);
    expect([...hits.entries()]).to.deep.equal([
      [a.id, 'found'],
      [b.id, 'found'],
    ]);
    expect((await readOnce(reader, [old, a, b])).size, 'lines are read once').to.equal(0);
    await reader.close?.();
  });

  it('names write_failed as a standing failure while writes fail', () => {
    let failing = false;
    const reader = fileLogReader({ file: path.join(tmpDir(), 'smoke.log'), writeFailed: () => failing });
    expect(reader.standingFailure()).to.equal(undefined);
    failing = true;
    expect(reader.standingFailure()).to.deep.equal({ reason: 'write_failed' });
    expect([reader.backend, reader.missingReason]).to.deep.equal(['file', 'not_found']);
  });
});
