import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ATTR_RUN_ID, EVENT, RUN_SPAN_NAME, VERIFICATION_EVENT } from '../../src/vocabulary';
import { fakeWallClock, hasFaketime, report, timedGate } from '../support/chaos';
import { spawnDaemon, stopDaemon } from '../support/daemon';
import { receiptOf } from '../support/receipts';
import { startTempo } from '../support/standins/tempo';
import { tmpDir } from '../support/tmp';

/** Issue 33, item 1: deadlines no clock can switch off. */
const TIMEOUT_S = 4;
/** What a deploy pipeline allows on top of verify.timeout before it gives up on the gate. */
const CLIENT_MARGIN_MS = 2000;
/** The trace store makes a span visible this long after it arrives: a run is in flight across a step. */
const INGEST_DELAY_MS = 1500;

const QUICK = {
  PETSAGE_SMOKE_INTERVAL: '250ms',
  PETSAGE_SMOKE_VERIFY_TIMEOUT: `${TIMEOUT_S}s`,
  PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '50ms',
  PETSAGE_SMOKE_TEMPO_TIMEOUT: '1s',
  OTEL_BSP_SCHEDULE_DELAY: '50',
  OTEL_LOGS_EXPORTER: 'none',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
};

describe('chaos: wall-clock steps (issue 33, item 1)', function () {
  this.timeout(60_000);

  it(`the wall clock stepped +1 h, then back 1 h twice, while gates are in flight: every gate answers within verify.timeout (${TIMEOUT_S} s) + ${CLIENT_MARGIN_MS / 1000} s and every receipt settles`, async function () {
    if (!hasFaketime())
      throw new Error(
        'libfaketime is not installed: run the README test command, which installs the Debian package "faketime"',
      );
    const tempo = await startTempo({ delayMs: INGEST_DELAY_MS });
    const clock = fakeWallClock(path.join(tmpDir(), 'faketime'));
    const daemon = await spawnDaemon({
      env: {
        ...QUICK,
        ...clock.env,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${tempo.url}/v1/traces`,
        PETSAGE_SMOKE_TEMPO_URL: tempo.url,
      },
    });
    const runSpan = (id: string) => (s: { name: string; attributes: Record<string, string> }) =>
      s.name === RUN_SPAN_NAME && s.attributes[ATTR_RUN_ID] === id;
    /** A gate whose span the store loses (never found: it times out) or keeps (found after the ingest delay). */
    const gateOnce = async (id: string, kept: boolean) => {
      const stored = tempo.waitForStored(runSpan(id)).then(() => {
        if (!kept) tempo.forget((s) => s.traceId === tempo.stored.find((x) => runSpan(id)(x.item))?.item.traceId);
      });
      const answered = timedGate(daemon.url, id);
      await stored; // the run is in flight: exported, not yet visible (or never)
      return { kept, answered };
    };
    const gates: { kept: boolean; answered: ReturnType<typeof timedGate>; step: string }[] = [];
    const steps: [string, number][] = [
      ['+1 h', 3600],
      ['back 1 h (to real time)', 0],
      ['back 1 h (to real time - 1 h)', -3600],
    ];
    let lastSeq = 0;
    /** The next `count` scheduled runs whose log lines carry the stepped wall clock: the daemon lives at the new time. */
    const scheduledAt = async (offsetSeconds: number, count: number) => {
      for (let i = 0; i < count; i += 1) {
        const line = await daemon.waitForEvent(
          VERIFICATION_EVENT,
          (l) =>
            l.trigger === 'schedule' &&
            Number(l.seq) > lastSeq &&
            Math.abs(Date.parse(String(l.timestamp)) - Date.now() - offsetSeconds * 1000) < 30_000,
        );
        lastSeq = Number(line.seq);
      }
    };
    let round = 0;
    for (const [step, offset] of steps) {
      round += 1;
      for (const kept of [true, false])
        gates.push({ ...(await gateOnce(`clock-${round}-${kept ? 'kept' : 'lost'}`, kept)), step });
      clock.set(offset); // both runs of this round are in flight across the step
      await scheduledAt(offset, 4); // and the schedule goes on at the new time
    }
    // The schedule paused: a last run lost by the store has the latest deadline of all; once its gate
    // answers, every deadline before it has fired.
    expect(
      (await fetch(`${daemon.url}/-/suspend`, { method: 'POST', headers: { 'content-type': 'application/json' } }))
        .status,
    ).to.equal(200);
    gates.push({ ...(await gateOnce('clock-last-lost', false)), step: 'after the steps' });
    const answers = await Promise.all(gates.map(async (g) => ({ ...g, ...(await g.answered) })));

    const lagsOf = (r: (typeof answers)[number]) =>
      Object.fromEntries(
        Object.entries(r.receipt.checks).map(([k, [c]]) => [k.split(':')[0], Number(c!.observedValue?.toFixed(2))]),
      );
    for (const a of answers)
      report(`gate ${a.id} (${a.step})`, {
        status: a.status,
        answered_in_s: (a.ms / 1000).toFixed(2),
        lag_s: lagsOf(a),
      });
    for (const a of answers) {
      expect(a.ms, `${a.id}: answered in ${a.ms.toFixed(0)} ms`).to.be.at.most(TIMEOUT_S * 1000 + CLIENT_MARGIN_MS);
      expect(a.status, `${a.id}: ${JSON.stringify(a.receipt.checks)}`).to.equal(a.kept ? 200 : 504);
      const trace = a.receipt.checks['trace:verification']![0]!;
      if (a.kept) {
        // The lag is measured on the monotonic clock: the ingest delay, never an hour either way.
        expect(trace.observedValue, `${a.id} trace lag`).to.be.within(INGEST_DELAY_MS / 1000, TIMEOUT_S);
      } else expect(trace).to.include({ outcome: 'missing', reason: 'notfound_byid' });
      for (const [signal, lag] of Object.entries(lagsOf(a)))
        if (signal !== 'trace' || a.kept) expect(lag, `${a.id} ${signal} lag`).to.be.within(0, TIMEOUT_S);
      expect((await receiptOf(daemon.url, a.id)).outcome).to.equal(a.kept ? 'verified' : 'timeout');
    }
    // Every scheduled run, across all three steps, has its verdict: none is left pending.
    const scheduled = daemon.stdout
      .filter((l) => l.includes(`"event":"${VERIFICATION_EVENT}"`) && l.includes('"trigger":"schedule"'))
      .map((l) => String((JSON.parse(l) as { run_id: string }).run_id));
    const outcomes: Record<string, number> = {};
    for (const id of scheduled) {
      const outcome = (await receiptOf(daemon.url, id)).outcome;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    report('scheduled runs across the steps', { runs: scheduled.length, outcomes });
    expect(scheduled.length).to.be.above(10);
    expect(outcomes.pending ?? 0, 'scheduled runs still pending').to.equal(0);
    expect((await stopDaemon(daemon)).code, daemon.stderr()).to.equal(0);
  });

  it(`a restored pending run dated 2099 (store answering 404): dropped at start, and a gate posted after start still gets its 504 within verify.timeout (${TIMEOUT_S} s) + ${CLIENT_MARGIN_MS / 1000} s`, async () => {
    const tempo = await startTempo({ readStatus: 404 });
    const stateFile = path.join(tmpDir(), 'state.jsonl');
    const env = {
      ...QUICK,
      PETSAGE_SMOKE_INTERVAL: '0',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${tempo.url}/v1/traces`,
      PETSAGE_SMOKE_TEMPO_URL: tempo.url,
      PETSAGE_SMOKE_STATE_FILE: stateFile,
      PETSAGE_SMOKE_STATE_WRITE_INTERVAL: '1h', // written at the drain only
    };
    // The daemon writes the state file itself (at the drain), with one run still pending; then that
    // run's start is moved to 2099, and nothing else.
    const first = await spawnDaemon({ env });
    const posted = await fetch(`${first.url}/smoke-test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'from-2099' }),
    });
    expect(posted.status).to.equal(202);
    await tempo.waitForStored((s) => s.name === RUN_SPAN_NAME && s.attributes[ATTR_RUN_ID] === 'from-2099');
    expect((await stopDaemon(first)).code, first.stderr()).to.equal(0);
    const lines = readFileSync(stateFile, 'utf8').split('\n').filter(Boolean);
    const pendingAt = lines.findIndex((l) => l.startsWith('{"kind":"pending"'));
    expect(pendingAt, lines.join('\n')).to.be.above(0);
    const pending = JSON.parse(lines[pendingAt]!) as { run: { id: string; traceId: string; startedAt: string } };
    expect(pending.run.id).to.equal('from-2099');
    pending.run.startedAt = '2099-01-01T00:00:00.000Z';
    lines[pendingAt] = JSON.stringify(pending);
    writeFileSync(stateFile, `${lines.join('\n')}\n`);

    const asked = tempo.requests.length;
    const second = await spawnDaemon({ env, dir: first.dir });
    const restored = await second.waitForEvent(EVENT.stateRestored, (l) => l.pending !== undefined);
    const gate = await timedGate(second.url, 'after-2099');
    const future = await fetch(`${second.url}/smoke-test/from-2099`);
    const polledForFuture = tempo.requests.slice(asked).filter((r) => r.url.includes(pending.run.traceId)).length;
    report('future-dated restore', {
      restored_pending: restored.pending,
      dropped: restored.dropped,
      gate_status: gate.status,
      gate_answered_in_s: (gate.ms / 1000).toFixed(2),
      store_polled_for_the_2099_run: polledForFuture,
    });
    expect(restored).to.include({ pending: 0, dropped: 1 });
    expect(gate.status, JSON.stringify(gate.receipt.checks)).to.equal(504);
    expect(gate.receipt.checks['trace:verification']![0]).to.include({ outcome: 'missing', reason: 'notfound_byid' });
    expect(gate.ms).to.be.at.most(TIMEOUT_S * 1000 + CLIENT_MARGIN_MS);
    expect(future.status, 'the 2099 run is not judged').to.equal(404);
    expect(polledForFuture).to.equal(0);
    expect((await stopDaemon(second)).code, second.stderr()).to.equal(0);
  });
});
