import { expect } from 'chai';
import { recordRequest } from '../../src/http/requestMetrics';
import type { RequestLabels } from '../../src/telemetry/metrics';
import type { Exemplar } from '../../src/vocabulary';
import { koaContext } from '../support/koaContext';

const RUN_SPAN: Exemplar = { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) };
const REQUEST_SPAN: Exemplar = { trace_id: 'c'.repeat(32), span_id: 'd'.repeat(16) };

/** What recordRequest observed for a request of `method` that ended in `status`, matched (or not) to a route. */
function observed(o: { method: string; status: number; matched?: unknown; runSpan?: Exemplar }) {
  const ctx = koaContext({ method: o.method });
  ctx.status = o.status;
  if (o.matched !== undefined) (ctx as unknown as { _matchedRoute: unknown })._matchedRoute = o.matched;
  if (o.runSpan) ctx.state.exemplar = o.runSpan;
  const seen: [RequestLabels, number, Exemplar | undefined][] = [];
  recordRequest(
    ctx,
    0.25,
    (labels, seconds, exemplar) => seen.push([labels, seconds, exemplar]),
    () => REQUEST_SPAN,
  );
  return seen;
}

describe('requestMetrics: one request into the duration histogram', () => {
  it('labels are the route template, the method and the status; the exemplar is the run span first, else the request span', () => {
    expect(observed({ method: 'POST', status: 202, matched: '/smoke-test', runSpan: RUN_SPAN })).to.deep.equal([
      [{ route: '/smoke-test', method: 'POST', status: '202' }, 0.25, RUN_SPAN],
    ]);
    expect(observed({ method: 'GET', status: 200, matched: '/smoke-test/:id' })).to.deep.equal([
      [{ route: '/smoke-test/:id', method: 'GET', status: '200' }, 0.25, REQUEST_SPAN],
    ]);
  });

  it('never request text: an unmatched path is "unmatched", an unknown method "OTHER"', () => {
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'BREW'];
    expect(methods.map((method) => observed({ method, status: 404 })[0]![0].method)).to.deep.equal([
      'GET',
      'HEAD',
      'POST',
      'PUT',
      'DELETE',
      'PATCH',
      'OPTIONS',
      'OTHER',
      'OTHER',
    ]);
    expect(observed({ method: 'GET', status: 404 })[0]![0].route).to.equal('unmatched');
    expect(observed({ method: 'GET', status: 404, matched: { evil: true } })[0]![0].route).to.equal('unmatched');
  });
});
