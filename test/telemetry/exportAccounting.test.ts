import { expect } from 'chai';
import { core } from '@opentelemetry/sdk-node';
import { ExportAccounting, ExportEvents, type BatchExporter } from '../../src/telemetry/exportAccounting';
import type { ExportOutcome } from '../../src/vocabulary';

const { ExportResultCode } = core;

function accounting(maxQueueSize = 4) {
  const counts: Record<ExportOutcome, number> = { success: 0, failure: 0, dropped: 0 };
  const seen: { items: readonly string[]; result: core.ExportResult }[] = [];
  const a = new ExportAccounting<string>(
    maxQueueSize,
    (outcome, n) => (counts[outcome] += n),
    (items, result) => seen.push({ items, result }),
  );
  return { a, counts, seen };
}

describe('export accounting: every item acknowledged, failed or dropped', () => {
  it('an ack carries the error message only when there is one', () => {
    const events = new ExportEvents();
    const acks: unknown[] = [];
    events.on((ids, ack) => acks.push([ids, ack]));
    events.emit(['t1'], { code: ExportResultCode.SUCCESS });
    events.emit(['t2'], { code: ExportResultCode.FAILED, error: new Error('HTTP 503') });
    expect(acks).to.deep.equal([
      [['t1'], { ok: true }],
      [['t2'], { ok: false, error: 'HTTP 503' }],
    ]);
  });

  it('the share of the queue in use, as items are admitted and handed to the exporter', () => {
    const { a } = accounting(4);
    expect(a.share).to.equal(0);
    a.admit();
    a.admit();
    expect(a.share).to.equal(0.5);
    a.wrap({ export: (_items, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => {} }).export(
      ['x'],
      () => {},
    );
    expect(a.share).to.equal(0.25);
  });

  it('an exporter that throws is a failed export of its items, counted and seen', () => {
    const { a, counts, seen } = accounting();
    const answers: core.ExportResult[] = [];
    const throwing: BatchExporter<string> = {
      export: () => {
        throw new Error('serialiser broke');
      },
      shutdown: async () => {},
    };
    a.wrap(throwing).export(['a', 'b'], (r) => answers.push(r));
    expect(counts).to.deep.equal({ success: 0, failure: 2, dropped: 0 });
    expect(seen.map((s) => s.result.error?.message)).to.deep.equal(['serialiser broke']);
    expect(answers.map((r) => r.code)).to.deep.equal([ExportResultCode.FAILED]);
  });

  it('an export still unanswered when shutdown settles is failed then, named so; a late answer is ignored', async () => {
    const { a, counts, seen } = accounting();
    let late: ((r: core.ExportResult) => void) | undefined;
    a.wrap({ export: (_items, done) => void (late = done), shutdown: async () => {} }).export(['a'], () => {});
    await a.shutdown({ shutdown: async () => {} });
    late!({ code: ExportResultCode.SUCCESS });
    expect(counts).to.deep.equal({ success: 0, failure: 1, dropped: 0 });
    expect(seen.map((s) => s.result.error?.message)).to.deep.equal(['no answer from the exporter by shutdown']);
    expect(a.admit(), 'nothing admitted after shutdown').to.equal(false);
    expect(counts.dropped).to.equal(1);
  });

  it("the wrapped exporter's flush and shutdown reach the exporter; one without a flush still resolves", async () => {
    const calls: string[] = [];
    const { a } = accounting();
    const wrapped = a.wrap({
      export: () => {},
      shutdown: async () => void calls.push('shutdown'),
      forceFlush: async () => void calls.push('flush'),
    });
    await wrapped.forceFlush!();
    await wrapped.shutdown();
    expect(calls).to.deep.equal(['flush', 'shutdown']);
    const bare = a.wrap({ export: () => {}, shutdown: async () => {} });
    expect(await bare.forceFlush!()).to.equal(undefined);
  });
});
