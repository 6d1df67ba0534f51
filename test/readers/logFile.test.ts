import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { fileLogReader, verificationTraceId } from '../../src/readers/logFile';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import type { SmokeRun } from '../../src/smoke/types';
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

  it('reports the waiting runs whose lines were appended since it was made, in one read; earlier lines are skipped', async () => {
    const file = path.join(tmpDir(), 'smoke.log');
    const [old, a, b, other] = runs(4) as [SmokeRun, SmokeRun, SmokeRun, SmokeRun];
    writeFileSync(file, line(old));
    const reader = fileLogReader({ file, writeFailed: () => false, now: () => 1234 });
    appendFileSync(file, line(a) + line(other) + line(b));
    const hits = await readOnce(reader, [old, a, b]);
    expect([...hits.entries()]).to.deep.equal([
      [a.id, { atMs: 1234 }],
      [b.id, { atMs: 1234 }],
    ]);
    expect((await readOnce(reader, [old, a, b])).size, 'lines are read once').to.equal(0);
    await reader.close?.();
  });

  it('names write_failed as a standing failure while writes fail', () => {
    let failing = false;
    const reader = fileLogReader({ file: path.join(tmpDir(), 'smoke.log'), writeFailed: () => failing, now: Date.now });
    expect(reader.standingFailure?.()).to.equal(undefined);
    failing = true;
    expect(reader.standingFailure?.()).to.deep.equal({ reason: 'write_failed' });
    expect([reader.backend, reader.missingReason]).to.deep.equal(['file', 'not_found']);
  });
});
