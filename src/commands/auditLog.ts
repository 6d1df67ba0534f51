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

/** Missing ranges listed at most per process. */
const MAX_GAPS = 10;

class SegmentBuilder {
  private readonly seen = new Set<number>();
  private max = 0;
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
  }

  get empty(): boolean {
    return this.lines === 0;
  }

  /** Gaps between the distinct seqs seen, in order: one pass over them, whatever the span of numbers. */
  build(): Segment {
    // Lines before the first one here may sit in a rotated file: the count starts at the first seq seen.
    const seqs = [...this.seen].sort((a, b) => a - b);
    const gaps: string[] = [];
    let missing = 0;
    for (let i = 1; i < seqs.length; i += 1) {
      const [from, to] = [(seqs[i - 1] as number) + 1, (seqs[i] as number) - 1];
      if (to < from) continue;
      missing += to - from + 1;
      if (gaps.length < MAX_GAPS) gaps.push(to === from ? `${from}` : `${from}-${to}`);
    }
    return {
      firstSeq: seqs[0] ?? 0,
      lastSeq: this.max,
      lines: this.lines,
      missing,
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      gaps,
    };
  }
}

/**
 * Reads a petsage-smoke log and accounts for every verification line. A process is told apart by
 * the process_id each line carries (a pipeline's seq counts from 1 in each process); lines of an
 * older daemon, without one, by its "listening" line or a seq back at 1.
 */
export async function auditLog(file: string): Promise<AuditReport> {
  const byProcess = new Map<string, SegmentBuilder>();
  let unnamed = 0;
  let malformed = 0;
  const builder = (key: string) => {
    let b = byProcess.get(key);
    if (!b) byProcess.set(key, (b = new SegmentBuilder()));
    return b;
  };
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let entry: { event?: unknown; seq?: unknown; process_id?: unknown; pipeline?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      malformed += 1;
      continue;
    }
    // An older daemon's lines: a new process starts counting at 1.
    if (entry.event === EVENT.listening && typeof entry.process_id !== 'string') unnamed += 1;
    if (entry.event !== EVENT.verification) continue;
    if (typeof entry.seq !== 'number' || !Number.isInteger(entry.seq) || entry.seq < 1) {
      malformed += 1;
      continue;
    }
    if (typeof entry.process_id === 'string') {
      builder(`${entry.process_id} ${typeof entry.pipeline === 'string' ? entry.pipeline : ''}`).add(entry.seq);
      continue;
    }
    if (entry.seq === 1 && !builder(`#${unnamed}`).empty) unnamed += 1; // restarted without a listening line in this file
    builder(`#${unnamed}`).add(entry.seq);
  }
  const segments = [...byProcess.values()].filter((b) => !b.empty).map((b) => b.build());
  return { segments, malformed };
}

export function formatAudit(file: string, report: AuditReport): string[] {
  const out = [`audit of ${file}`];
  report.segments.forEach((s, i) => {
    out.push(
      `process ${i + 1}: runs ${s.firstSeq}..${s.lastSeq}, ${s.lines} lines, ${s.missing} missing${s.gaps.length ? ` (${s.gaps.join(', ')}${s.missing > 0 && s.gaps.length === MAX_GAPS ? ', …' : ''})` : ''}, ${s.duplicates} duplicates, ${s.outOfOrder} out of order`,
    );
  });
  const sum = (k: 'lines' | 'missing' | 'duplicates' | 'outOfOrder') => report.segments.reduce((n, s) => n + s[k], 0);
  out.push(
    `total: ${sum('lines')} lines, ${sum('missing')} missing, ${sum('duplicates')} duplicates, ${sum('outOfOrder')} out of order, ${report.malformed} malformed`,
  );
  return out;
}
