import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { auditLog, formatAudit } from '../../src/commands/auditLog';
import { VERIFICATION_EVENT } from '../../src/vocabulary';
import { tmpDir } from '../support/tmp';

const v = (seq: number) => JSON.stringify({ event: VERIFICATION_EVENT, seq, run_id: `r${seq}` });
const listening = JSON.stringify({ event: 'daemon.listening' });

function logFile(lines: string[]): string {
  const file = path.join(tmpDir(), 'smoke.log');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('audit-log', () => {
  it('accounts for a clean log: no gaps, duplicates or reordering', async () => {
    const report = await auditLog(logFile([listening, v(1), v(2), v(3)]));
    expect(report.segments).to.deep.equal([
      { firstSeq: 1, lastSeq: 3, lines: 3, missing: 0, duplicates: 0, outOfOrder: 0, gaps: [] },
    ]);
  });

  it('finds missing lines, duplicates, out-of-order lines and malformed lines', async () => {
    const report = await auditLog(
      logFile([v(1), v(2), v(5), v(4), v(4), v(9), 'not json', '{"event":"smoke_test.verification","seq":"x"}']),
    );
    expect(report.segments[0]).to.deep.equal({
      firstSeq: 1,
      lastSeq: 9,
      lines: 6,
      missing: 4,
      duplicates: 1,
      outOfOrder: 1,
      gaps: ['3', '6-8'],
    });
    expect(report.malformed).to.equal(2);
    expect(formatAudit('f', report).at(-1)).to.equal(
      'total: 6 lines, 4 missing, 1 duplicates, 1 out of order, 2 malformed',
    );
  });

  it('splits at each process start; a file that begins mid-run does not count earlier lines as lost', async () => {
    const report = await auditLog(logFile([v(41), v(42), listening, v(1), v(2), v(1)]));
    expect(report.segments.map((s) => [s.firstSeq, s.lastSeq, s.missing])).to.deep.equal([
      [41, 42, 0],
      [1, 2, 0],
      [1, 1, 0],
    ]);
  });
});

describe('audit-log: processes and pipelines by process_id', () => {
  const line = (processId: string, seq: number, pipeline = 'default') =>
    JSON.stringify({ event: VERIFICATION_EVENT, seq, process_id: processId, pipeline });

  it('tells processes apart by process_id, and each pipeline of one counts on its own, however their lines interleave', async () => {
    const report = await auditLog(
      logFile([line('a', 1), line('b', 1), line('a', 2), line('a', 1, 'team-a'), line('b', 3), line('a', 3)]),
    );
    expect(report.segments.map((s) => [s.firstSeq, s.lastSeq, s.missing, s.gaps])).to.deep.equal([
      [1, 3, 0, []],
      [1, 3, 1, ['2']],
      [1, 1, 0, []],
    ]);
  });

  it('gaps come from the distinct seqs seen, in one pass: seq 1 and 2^53-1 do not loop over the numbers between', async () => {
    const report = await auditLog(logFile([line('a', 1), line('a', Number.MAX_SAFE_INTEGER)]));
    expect(report.segments[0]).to.include({ missing: Number.MAX_SAFE_INTEGER - 2 });
    expect(report.segments[0]!.gaps).to.deep.equal([`2-${Number.MAX_SAFE_INTEGER - 1}`]);
  });
});
