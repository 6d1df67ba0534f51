import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { MiB, mib, probeLivez, probeSummary, report, sampleMemory, timedGate } from '../support/chaos';
import { spawnDaemon, UNLIMITED } from '../support/daemon';
import { hostileTraceStore, type HostileMode } from '../support/hostileStore';
import { receiptOf } from '../support/receipts';
import { REPO_ROOT } from '../support/repo';

/**
 * Issue 33, item 2: bounded parsing, not only bounded bytes. One case of the hostile trace store
 * (test/support/hostileStore.ts), shared by hostileAnswers.test.ts and hostileStreams.test.ts (two
 * files, so they can run side by side).
 */

const RSS_BOUND = 300 * MiB;
/** V8's heap limit as the base manifest deploys the daemon (deploy/kubernetes/bounds.ts computes it):
 * the heap is collected as it would be in a pod, not left to grow to Node's default. */
const DEPLOYED_NODE_OPTIONS = /NODE_OPTIONS\s*\n\s*value: (\S+)/.exec(
  readFileSync(path.join(REPO_ROOT, 'deploy', 'kubernetes', 'base', 'deployment.yaml'), 'utf8'),
)![1]!;
/** The issue's bound on /livez while hostile answers are read: reported, not asserted (CI shares its cores). */
const LIVEZ_BOUND_MS = 500;
/** A /livez slower than this is a stall (twice a kubelet's default probe timeout, for CI's shared cores): asserted. */
const PROBE_TIMEOUT_MS = 2000;
const TIMEOUT_S = 3;
/** verify.traces.tempo.timeout: one query's time limit. */
const QUERY_TIMEOUT_MS = 500;
/**
 * Where a lookup can only end by its query timeout while the heap churns (`mixed`), verify.timeout
 * (which also bounds a whole read, the only other cut-off) is made far longer, and no lookup may stay
 * open past the query timeout by more than this (the event loop may be busy with other answers).
 */
const HELD_TIMEOUT_S = 8;
const QUERY_MARGIN_MS = 3000;
const CLIENT_MARGIN_MS = 2000;
/** What a hostile answer may turn into: a bounded error reason, never a crash, a hang or "pending". */
const BOUNDED_REASONS = ['bad_response', 'query_timeout'];

/**
 * A daemon reading back from a store that answers `mode`, a run every 250 ms (a dozen await the store
 * at once, so each read looks a dozen hostile answers up) and `runs` more made at once; a gate posted
 * once the store is being read. `checkHeld`: the query timeout is asserted too.
 */
export function hostileCase(mode: HostileMode, o: { runs?: number; checkHeld?: boolean } = {}): void {
  const runs = o.runs ?? 0;
  const name = runs ? `${mode} with ${runs} more runs awaiting` : mode;
  const timeoutS = o.checkHeld ? HELD_TIMEOUT_S : TIMEOUT_S;
  const heldBound = o.checkHeld
    ? `, no lookup outlives its ${QUERY_TIMEOUT_MS} ms query timeout by more than ${QUERY_MARGIN_MS / 1000} s`
    : '';
  it(`${name}: the gate gets a bounded error reason within verify.timeout (${timeoutS} s) + ${CLIENT_MARGIN_MS / 1000} s${heldBound}, RSS stays under ${RSS_BOUND / MiB} MiB, /livez answers every probe within ${PROBE_TIMEOUT_MS} ms`, async () => {
    const store = await hostileTraceStore(mode);
    const daemon = await spawnDaemon({
      env: {
        ...UNLIMITED,
        PETSAGE_SMOKE_INTERVAL: '250ms',
        PETSAGE_SMOKE_VERIFY_TIMEOUT: `${timeoutS}s`,
        PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '100ms',
        PETSAGE_SMOKE_TEMPO_URL: store.url,
        PETSAGE_SMOKE_TEMPO_TIMEOUT: `${QUERY_TIMEOUT_MS}ms`,
        OTEL_BSP_SCHEDULE_DELAY: '50',
        NODE_OPTIONS: DEPLOYED_NODE_OPTIONS,
      },
    });
    const memory = sampleMemory(daemon.child.pid!);
    const prober = await probeLivez(daemon.url, { everyMs: 20, timeoutMs: PROBE_TIMEOUT_MS });
    await store.firstLookup; // the daemon is reading hostile answers
    const from = Date.now();
    // Four clients at a time (one client may hold 64 connections).
    const lane = async (n: number) => {
      for (let i = 0; i < n; i += 1) expect((await fetch(`${daemon.url}/smoke-test`)).status).to.equal(200);
    };
    await Promise.all([0, 1, 2, 3].map((i) => lane(Math.floor(runs / 4) + (i < runs % 4 ? 1 : 0))));
    const id = `hostile-${mode}-${runs}`;
    const gate = await timedGate(daemon.url, id);
    const probes = prober.between(from, Date.now());
    const now = performance.now();
    const held = store.lookups.map((l) => (l.closedAt ?? now) - l.at);
    const peak = memory.stop().peak;
    const trace = gate.receipt.checks['trace:verification']![0]!;
    const kept = (await receiptOf(daemon.url, id)).checks['trace:verification']![0]!;
    await prober.stop();
    const livez = probeSummary(probes);
    report(name, {
      gate: gate.status,
      answered_in_s: (gate.ms / 1000).toFixed(2),
      reason: trace.reason,
      detail: trace.output ?? '',
      answer_mib: store.size ? mib(store.size) : 'streamed',
      lookups: store.lookups.length,
      sent_mib: mib(store.lookups.reduce((a, l) => a + l.bytes, 0)),
      most_open_at_once: store.maxOpen,
      longest_held_ms: Math.round(Math.max(...held)),
      peak_rss_mib: mib(peak),
      livez: { ...livez, over_issue_bound_500ms: livez.worst > LIVEZ_BOUND_MS },
    });
    expect(gate.status, JSON.stringify(gate.receipt.checks)).to.equal(502);
    expect(trace.outcome).to.equal('error');
    expect(BOUNDED_REASONS).to.include(trace.reason);
    expect(kept, 'the receipt holds the same verdict').to.include({ outcome: 'error', reason: trace.reason });
    expect(gate.ms).to.be.at.most(timeoutS * 1000 + CLIENT_MARGIN_MS);
    if (o.checkHeld)
      expect(Math.max(...held), 'the longest a lookup was held open (ms)').to.be.at.most(
        QUERY_TIMEOUT_MS + QUERY_MARGIN_MS,
      );
    expect(peak, `peak RSS ${mib(peak)} MiB`).to.be.below(RSS_BOUND);
    expect(livez.count, 'probes while the answers were read').to.be.at.least(5);
    expect(livez.failed, `failed probes: ${livez.errors.join(', ')}`).to.equal(0);
    expect(daemon.child.exitCode ?? daemon.child.signalCode, `the daemon is still up: ${daemon.stderr()}`).to.equal(
      null,
    );
  });
}
