import { expect } from 'chai';
import { spansOf, traceHolds } from '../../src/readers/traceContent';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import type { SmokeRun } from '../../src/smoke/types';
import { ATTR_RUN_ID, ATTR_RUN_SEQ, RUN_SPAN_NAME } from '../../src/vocabulary';
import { fakePorts } from '../support/fakes';

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

/** The run's span as OTLP/JSON, with ids and attributes as given. */
function otlpSpan(
  run: SmokeRun,
  o: { traceId?: string; spanId?: string; name?: string; runId?: unknown; seq?: unknown } = {},
) {
  return {
    traceId: o.traceId ?? run.traceId,
    spanId: o.spanId ?? run.spanId,
    name: o.name ?? RUN_SPAN_NAME,
    attributes: [
      { key: ATTR_RUN_ID, value: o.runId ?? { stringValue: run.id } },
      { key: ATTR_RUN_SEQ, value: o.seq ?? { intValue: String(run.seq) } },
    ],
  };
}
const tempoV2 = (...spans: unknown[]) => ({ trace: { resourceSpans: [{ scopeSpans: [{ spans }] }] } });

describe('traceContent: what a trace store answered', () => {
  const run = createSmokeRunner(fakePorts().ports)('http');

  it('reads Tempo v1 batches, Tempo v2 trace, OTLP resourceSpans (scope or instrumentation-library spans) and Jaeger data alike', () => {
    const span = otlpSpan(run);
    const jaeger = {
      data: [
        {
          spans: [
            {
              traceID: run.traceId,
              spanID: run.spanId,
              operationName: RUN_SPAN_NAME,
              tags: [
                { key: ATTR_RUN_ID, value: run.id },
                { key: ATTR_RUN_SEQ, value: run.seq },
              ],
            },
          ],
        },
      ],
    };
    const answers = [
      { batches: [{ scopeSpans: [{ spans: [span] }] }] },
      tempoV2(span),
      { resourceSpans: [{ instrumentationLibrarySpans: [{ spans: [span] }] }] },
      jaeger,
    ];
    for (const answer of answers)
      expect(traceHolds(answer, run), JSON.stringify(answer).slice(0, 40)).to.deep.equal({ state: 'found' });
    expect([...spansOf(jaeger)][0]!.attribute(ATTR_RUN_SEQ)).to.equal(String(run.seq));
  });

  it('ids in hex of any case, short hex padded, or base64 (protobuf JSON) all read as lower-case hex', () => {
    const ids = (traceId: string, spanId: string) =>
      [...spansOf(tempoV2({ traceId, spanId }))].map((s) => [s.traceId, s.spanId])[0];
    expect(ids(run.traceId.toUpperCase(), run.spanId.toUpperCase())).to.deep.equal([run.traceId, run.spanId]);
    expect(ids(b64(run.traceId), b64(run.spanId))).to.deep.equal([run.traceId, run.spanId]);
    expect(ids('abc', 'f')).to.deep.equal([`${'0'.repeat(29)}abc`, `${'0'.repeat(15)}f`]);
    expect([...spansOf(tempoV2({ traceId: 42, spanId: null, name: undefined }))][0]).to.deep.include({
      traceId: '',
      spanId: '',
      name: '',
    });
  });

  it('attribute values: OTLP string, int, bool or double values, or plain values; anything else is empty', () => {
    const values = [
      { stringValue: 's' },
      { intValue: '7' },
      { boolValue: false },
      { doubleValue: 1.5 },
      { arrayValue: {} },
      'plain',
      3,
      null,
      undefined,
    ];
    const span = {
      traceId: run.traceId,
      spanId: run.spanId,
      attributes: values.map((value, i) => ({ key: `k${i}`, value })),
    };
    const [found] = [...spansOf(tempoV2(span))];
    expect(values.map((_, i) => found!.attribute(`k${i}`))).to.deep.equal([
      's',
      '7',
      'false',
      '1.5',
      '',
      'plain',
      '3',
      '',
      '',
    ]);
    expect([...spansOf(null)]).to.deep.equal([]);
    expect([...spansOf({ data: 'not a list', batches: {} })]).to.deep.equal([]);
  });

  it('absent without a span of the trace; incomplete without the run span, or with another run id or seq', () => {
    const otherTrace = 'f'.repeat(32);
    expect(traceHolds(tempoV2(otlpSpan(run, { traceId: otherTrace })), run)).to.deep.equal({ state: 'absent' });
    const noRunSpan = {
      state: 'incomplete',
      detail: `2 span(s) of the trace stored, but not the run span ${RUN_SPAN_NAME}`,
    };
    expect(
      traceHolds(tempoV2(otlpSpan(run, { name: 'GET /smoke-test' }), otlpSpan(run, { spanId: 'e'.repeat(16) })), run),
    ).to.deep.equal(noRunSpan);
    const differ = {
      state: 'incomplete',
      detail: `the run span's ${ATTR_RUN_ID} / ${ATTR_RUN_SEQ} differ from the run's`,
    };
    expect(traceHolds(tempoV2(otlpSpan(run, { runId: { stringValue: 'other' } })), run)).to.deep.equal(differ);
    expect(traceHolds(tempoV2(otlpSpan(run, { seq: { intValue: String(run.seq + 1) } })), run)).to.deep.equal(differ);
    expect(traceHolds(tempoV2(otlpSpan(run, { traceId: otherTrace }), otlpSpan(run)), run)).to.deep.equal({
      state: 'found',
    });
  });
});
