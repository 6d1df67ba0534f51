import { expect } from 'chai';
import { createRequestMetrics } from '../../src/http/requestMetrics';
import { createRegistry } from '../../src/telemetry/metrics/registry';
import { METRIC, type Exemplar } from '../../src/vocabulary';
import { koaContext } from '../support/koaContext';

const RUN_SPAN: Exemplar = { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) };
const REQUEST_SPAN: Exemplar = { trace_id: 'c'.repeat(32), span_id: 'd'.repeat(16) };

type Observed = [Record<string, string | number | undefined>, number, Exemplar | undefined];

/** What the request histogram observed for a request of `method` that ended in `status`, matched (or not) to a route. */
async function observed(o: {
  method: string;
  status: number;
  matched?: unknown;
  runSpan?: Exemplar;
}): Promise<Observed[]> {
  const registry = createRegistry({ processMetrics: false });
  const observe = createRequestMetrics(registry, { currentExemplar: () => REQUEST_SPAN, initial: [] });
  const ctx = koaContext({ method: o.method });
  ctx.status = o.status;
  if (o.matched !== undefined) (ctx as unknown as { _matchedRoute: unknown })._matchedRoute = o.matched;
  if (o.runSpan) ctx.state.exemplar = o.runSpan;
  observe(ctx, 0.25);
  const { values } = await registry.getSingleMetric(METRIC.httpDuration)!.get();
  // The +Inf bucket: the one observation and its labels; the exemplar is kept on the bucket it fell in.
  const exemplar = values.map((v) => (v as { exemplar?: { labelSet: Exemplar } }).exemplar?.labelSet).find(Boolean);
  return values
    .filter((v) => v.labels.le === '+Inf')
    .map((v): Observed => {
      const { le: _le, ...labels } = v.labels;
      return [labels, v.value, exemplar];
    });
}

describe('requestMetrics: one request into the duration histogram', () => {
  it('labels are the route template, the method and the status; the exemplar is the run span first, else the request span', async () => {
    expect(await observed({ method: 'POST', status: 202, matched: '/smoke-test', runSpan: RUN_SPAN })).to.deep.equal([
      [{ route: '/smoke-test', method: 'POST', status: '202' }, 1, RUN_SPAN],
    ]);
    expect(await observed({ method: 'GET', status: 200, matched: '/smoke-test/:id' })).to.deep.equal([
      [{ route: '/smoke-test/:id', method: 'GET', status: '200' }, 1, REQUEST_SPAN],
    ]);
  });

  it('never request text: an unmatched path is "unmatched", an unknown method "OTHER"', async () => {
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'BREW'];
    const seen = await Promise.all(
      methods.map(async (method) => (await observed({ method, status: 404 }))[0]![0].method),
    );
    expect(seen).to.deep.equal(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'OTHER', 'OTHER']);
    expect((await observed({ method: 'GET', status: 404 }))[0]![0].route).to.equal('unmatched');
    expect((await observed({ method: 'GET', status: 404, matched: { evil: true } }))[0]![0].route).to.equal(
      'unmatched',
    );
  });
});
