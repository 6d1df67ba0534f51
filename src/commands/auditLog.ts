import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { EVENT } from '../vocabulary';

/** One daemon process's stretch of the log: seq counts up from 1 per process. */
export interface Segment {
  firstSeq: number;
  lastSeq: number;
  lines: number;
  missing: number;
  duplicates: number;
  outOfOrder: number;
  /** Up to 10 missing ranges, e.g. "17-19". */
  gaps: string[];
}

export interface AuditReport {
  segments: Segment[];
  malformed: number;
}

class SegmentBuilder {
  private readonly seen = new Set<number>();
  private max = 0;
  private min = Infinity;
  lines = 0;
  duplicates = 0;
  outOfOrder = 0;

  add(seq: number): void {
    this.lines += 1;
    if (this.seen.has(seq)) {
      this.duplicates += 1;
      return;
    }
    if (seq < this.max) this.outOfOrder += 1;
    this.seen.add(seq);
    this.max = Math.max(this.max, seq);
    this.min = Math.min(this.min, seq);
  }

  get empty(): boolean {
    return this.lines === 0;
  }

  build(): Segment {
    // Lines before the first one here may sit in a rotated file: the count starts at the first seq seen.
    const gaps: string[] = [];
    let missing = 0;
    for (let seq = this.min; seq <= this.max; seq += 1) {
      if (this.seen.has(seq)) continue;
      let end = seq;
      while (end + 1 <= this.max && !this.seen.has(end + 1)) end += 1;
      missing += end - seq + 1;
      if (gaps.length < 10) gaps.push(end === seq ? `${seq}` : `${seq}-${end}`);
      seq = end;
    }
    return {
      firstSeq: this.min,
      lastSeq: this.max,
      lines: this.lines,
      missing,
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      gaps,
    };
  }
}

/** Reads a petsage-smoke log and accounts for every verification line. */
export async function auditLog(file: string): Promise<AuditReport> {
  const segments: Segment[] = [];
  let current = new SegmentBuilder();
  let malformed = 0;
  const close = () => {
    if (!current.empty) segments.push(current.build());
    current = new SegmentBuilder();
  };
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let entry: { event?: unknown; seq?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      malformed += 1;
      continue;
    }
    if (entry.event === EVENT.listening) close(); // a new process starts counting at 1
    if (entry.event !== EVENT.verification) continue;
    if (typeof entry.seq !== 'number' || !Number.isInteger(entry.seq) || entry.seq < 1) {
      malformed += 1;
      continue;
    }
    if (entry.seq === 1 && !current.empty) close(); // restarted without a listening line in this file
    current.add(entry.seq);
  }
  close();
  return { segments, malformed };
}

export function formatAudit(file: string, report: AuditReport): string[] {
  const out = [`audit of ${file}`];
  report.segments.forEach((s, i) => {
    out.push(
      `process ${i + 1}: runs ${s.firstSeq}..${s.lastSeq}, ${s.lines} lines, ${s.missing} missing${s.gaps.length ? ` (${s.gaps.join(', ')}${s.missing > 0 && s.gaps.length === 10 ? ', …' : ''})` : ''}, ${s.duplicates} duplicates, ${s.outOfOrder} out of order`,
    );
  });
  const sum = (k: 'lines' | 'missing' | 'duplicates' | 'outOfOrder') => report.segments.reduce((n, s) => n + s[k], 0);
  out.push(
    `total: ${sum('lines')} lines, ${sum('missing')} missing, ${sum('duplicates')} duplicates, ${sum('outOfOrder')} out of order, ${report.malformed} malformed`,
  );
  return out;
}
