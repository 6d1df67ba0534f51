import { expect } from 'chai';
import type { BackendConnection } from '../../src/config/schema';
import { connect } from '../../src/readers/connection';
import { lokiReader } from '../../src/readers/loki';
import { tempoSearchReader } from '../../src/readers/tempoSearch';
import { traceByIdReader } from '../../src/readers/traceById';
import type { Reader } from '../../src/readers/types';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { fakePorts, readOnce } from '../support/fakes';
import { manifest, type Fixture, type Store } from '../support/standins/fixtures';
import { startJaeger } from '../support/standins/jaeger';
import { startLoki } from '../support/standins/loki';
import { startTempo } from '../support/standins/tempo';

/**
 * Answers the readers in src/readers do not yet conclude what a correct reader would (the
 * manifest's expectedVerdict). Each is a bug in src/, reported rather than fixed here; the case
 * runs again once its entry is removed.
 */
const KNOWN: Record<string, string> = {
  'loki/query_range.found.categorized':
    'src/readers/loki.ts reads a value\'s third element as flat metadata; Loki nests it under "structuredMetadata"',
  'loki/query_range.too_many_outstanding_requests':
    'src/readers/httpClient.ts has no throttled reason: 429 is bad_response',
  'tempo/trace.job_queue_full': 'src/readers/httpClient.ts has no throttled reason: 429 is bad_response',
  'tempo/search.job_queue_full': 'src/readers/httpClient.ts has no throttled reason: 429 is bad_response',
  'jaeger/v3_trace.found': 'src/readers/traceContent.ts does not read /api/v3 answers ({"result":{"resourceSpans":…}})',
  'jaeger/tenant':
    'src/readers/connection.ts sends the tenant as X-Scope-OrgID to every backend; Jaeger reads x-tenant (401 missing tenant header)',
};

const conn = (): BackendConnection => ({
  tenant: '',
  auth: { token: '', tokenFile: '', username: '', password: '', passwordFile: '' },
  caFile: '',
  timeout: 2000,
});

/** What a reader concludes from one answer: verified, missing (its reason), or the error's reason. */
async function verdict(reader: Reader, run: ReturnType<ReturnType<typeof createSmokeRunner>>): Promise<string> {
  try {
    const hit = (await readOnce(reader, [run])).get(run.id);
    if (!hit) return `missing/${reader.missingReason}`;
    return 'atMs' in hit ? 'verified/none' : `error/${hit.reason}`;
  } catch (err) {
    return `error/${(err as { reason?: string }).reason ?? String(err)}`;
  }
}

const starters = { loki: startLoki, tempo: startTempo, jaeger: startJaeger };

describe("the daemon's readers against every upstream answer (test/fixtures/upstream manifests)", () => {
  const run = createSmokeRunner(fakePorts().ports)('api', {});
  const fixtureRun = {
    traceId: run.traceId,
    spanId: run.spanId,
    runId: run.id,
    seq: run.seq,
    startNs: BigInt(run.startedAt.getTime()) * 1_000_000n,
  };
  for (const store of ['loki', 'tempo', 'jaeger'] as Store[]) {
    for (const f of manifest(store).filter((x: Fixture) => x.expectedVerdict)) {
      const key = `${store}/${f.name}`;
      const expected = `${f.expectedVerdict!.outcome}/${f.expectedVerdict!.reason}`;
      it(`${key} (${f.status}, ${f.case}) → ${expected}`, async function () {
        if (KNOWN[key]) this.skip();
        const standIn = await starters[store]({});
        try {
          const connection = connect(standIn.url, conn(), `verify.${store}`);
          const reader =
            store === 'loki'
              ? lokiReader({ connection, selector: '{service_name="petsage-smoke"}', match: 'metadata', now: Date.now })
              : f.name.startsWith('search')
                ? tempoSearchReader({ connection, now: Date.now })
                : traceByIdReader({ backend: store as 'tempo' | 'jaeger', connection, now: Date.now });
          standIn.answerWith(f.name, fixtureRun);
          expect(await verdict(reader, run)).to.equal(expected);
        } finally {
          await standIn.close();
        }
      });
    }
  }

  it('jaeger/tenant: a Jaeger read for a tenant carries it in x-tenant', async function () {
    if (KNOWN['jaeger/tenant']) this.skip();
    const jaeger = await startJaeger({ multiTenant: true });
    try {
      const connection = connect(jaeger.url, { ...conn(), tenant: 'acme' }, 'verify.traces.jaeger');
      jaeger.answerNormally();
      const reader = traceByIdReader({ backend: 'jaeger', connection, now: Date.now });
      expect(await verdict(reader, run)).to.equal('missing/notfound_byid');
      expect(jaeger.requests[0]!.headers['x-tenant']).to.equal('acme');
    } finally {
      await jaeger.close();
    }
  });
});
