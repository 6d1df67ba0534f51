import { expect } from 'chai';
import type { BackendConnection } from '../../src/config/schema';
import { connect } from '../../src/readers/connection';
import { lokiReader } from '../../src/readers/loki';
import { tempoSearchReader } from '../../src/readers/tempoSearch';
import { traceByIdReader } from '../../src/readers/traceById';
import type { PolledReader } from '../../src/readers/types';
import { loadConfig } from '../../src/config/load';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { fakePorts, readOnce } from '../support/fakes';
import { manifest, type Fixture, type Store } from '../support/standins/fixtures';
import { startJaeger } from '../support/standins/jaeger';
import { startLoki } from '../support/standins/loki';
import { startTempo } from '../support/standins/tempo';

/** Each store's connection block as the daemon's defaults give it (the tenant header among them). */
const conn = (store: Store, tenant = ''): BackendConnection => {
  const verify = loadConfig({ env: {} }).verify;
  const block = { loki: verify.log.loki, tempo: verify.traces.tempo, jaeger: verify.traces.jaeger }[store];
  return { ...block, tenant, timeout: 2000 };
};

/** What a reader concludes from one answer: verified, missing (its reason), or the error's reason. */
async function verdict(reader: PolledReader, run: ReturnType<ReturnType<typeof createSmokeRunner>>): Promise<string> {
  try {
    const hit = (await readOnce(reader, [run])).get(run.id);
    if (!hit) return `missing/${reader.missingReason}`;
    return hit === 'found' ? 'verified/none' : `error/${hit.reason}`;
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
      it(`${key} (${f.status}, ${f.case}) → ${expected}`, async () => {
        const standIn = await starters[store]({});
        try {
          const connection = connect(standIn.url, conn(store), `verify.${store}`);
          const reader =
            store === 'loki'
              ? lokiReader({ connection, selector: '{service_name="petsage-smoke"}', match: 'metadata', now: Date.now })
              : f.name.startsWith('search')
                ? tempoSearchReader({ connection, now: Date.now })
                : traceByIdReader({
                    backend: store as 'tempo' | 'jaeger',
                    connection,
                    api: f.name.startsWith('v3_') ? 'v3' : 'v1',
                  });
          standIn.answerWith(f.name, fixtureRun);
          expect(await verdict(reader, run)).to.equal(expected);
        } finally {
          await standIn.close();
        }
      });
    }
  }

  it('jaeger/tenant: a Jaeger read for a tenant carries it in x-tenant, as the defaults say', async () => {
    const jaeger = await startJaeger({ multiTenant: true });
    try {
      const connection = connect(jaeger.url, conn('jaeger', 'acme'), 'verify.traces.jaeger');
      jaeger.answerNormally();
      const reader = traceByIdReader({ backend: 'jaeger', connection });
      expect(await verdict(reader, run)).to.equal('missing/notfound_byid');
      expect(jaeger.requests[0]!.headers['x-tenant']).to.equal('acme');
    } finally {
      await jaeger.close();
    }
  });
});
