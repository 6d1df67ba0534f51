import { setTimeout as delay } from 'node:timers/promises';
import autocannon from 'autocannon';
import { expect } from 'chai';
import { METRIC } from '../../src/vocabulary';
import { MiB, counterValue, mib, probeLivez, probeSummary, report, sampleMemory, timedGate } from '../support/chaos';
import { spawnDaemon, stopDaemon, UNLIMITED } from '../support/daemon';
import { scratchServer } from '../support/scratchServer';

/** Issue 33, item 4: overload sheds, never queues. The flood lasts 40 s; CI runs a shorter one. */
const SECONDS = Number(process.env.PETSAGE_CHAOS_FLOOD_SECONDS ?? 15);
/** Connections of the flood (one client: under server.maxConnectionsPerClient, 64). */
const CONNECTIONS = Number(process.env.PETSAGE_CHAOS_FLOOD_CONNECTIONS ?? 48);
const RSS_BOUND = 400 * MiB;
/** verify.timeout as shipped: a gate is answered as soon as it is verified, so the pass costs nothing more. */
const TIMEOUT_S = 30;
const CLIENT_MARGIN_MS = 2000;

/** The span pipeline made to fall behind whatever the flood's rate: a small queue, small batches, and a
 * collector that takes a second an export (64 spans a second; the queue is past half at 128). */
const BEHIND = {
  seconds: 8,
  maxQueueSize: 256,
  batchSize: 64,
  exportMs: 1000,
};

/** A flood of GET /smoke-test with a gate posted half-way; the daemon's peak RSS, the shed and exported counts. */
async function flood(env: Record<string, string>, seconds: number) {
  const daemon = await spawnDaemon({
    env: { ...UNLIMITED, PETSAGE_SMOKE_VERIFY_TIMEOUT: `${TIMEOUT_S}s`, PETSAGE_SMOKE_INTERVAL: '0', ...env },
  });
  const memory = sampleMemory(daemon.child.pid!, 100);
  const prober = await probeLivez(daemon.url, { localAddress: '127.0.0.2', everyMs: 100, timeoutMs: 5000 });
  const load = autocannon({ url: `${daemon.url}/smoke-test`, connections: CONNECTIONS, duration: seconds });
  // Half-way through the flood (a point in the load, not a wait for something to happen).
  const gated = delay((seconds * 1000) / 2).then(() => timedGate(daemon.url, 'mid-flood'));
  const [result, gate] = await Promise.all([load, gated]);
  const peak = memory.stop().peak;
  const livez = probeSummary(await prober.stop());
  const count = (name: string, labels: Record<string, string>) => counterValue(daemon.url, name, labels);
  const shed = {
    log_backlog: await count(METRIC.runsShed, { reason: 'log_backlog' }),
    span_backlog: await count(METRIC.runsShed, { reason: 'span_backlog' }),
  };
  const spans = {
    exported: await count(METRIC.spansExported, { outcome: 'success' }),
    dropped: await count(METRIC.spansExported, { outcome: 'dropped' }),
    failed: await count(METRIC.spansExported, { outcome: 'failure' }),
  };
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, (s as { count: number }).count]),
  ) as Record<string, number>;
  const measured = {
    requests: result.requests.total,
    per_second: Math.round(result.requests.average),
    statuses,
    errors: result.errors,
    shed,
    spans,
    gate: gate.status,
    gate_answered_in_s: Number((gate.ms / 1000).toFixed(2)),
    gate_lags_s: Object.fromEntries(
      Object.entries(gate.receipt.checks).map(([k, [c]]) => [k.split(':')[0], Number(c!.observedValue?.toFixed(2))]),
    ),
    peak_rss_mib: mib(peak),
    livez_from_127_0_0_2: livez,
  };
  return { daemon, gate, peak, statuses, shed, spans, measured };
}

describe('chaos: a sustained flood (issue 33, item 4)', function () {
  this.timeout((SECONDS + BEHIND.seconds + 90) * 1000);

  it(`${CONNECTIONS} connections of GET /smoke-test for ${SECONDS} s, rate limit off, default pipeline: a gate posted half-way is verified within verify.timeout (${TIMEOUT_S} s) + ${CLIENT_MARGIN_MS / 1000} s and RSS stays under ${RSS_BOUND / MiB} MiB`, async () => {
    const { daemon, gate, peak, measured } = await flood({}, SECONDS);
    report(`flood of ${SECONDS} s, defaults`, measured);
    expect(gate.status, JSON.stringify(gate.receipt.checks)).to.equal(200);
    expect(gate.ms).to.be.at.most(TIMEOUT_S * 1000 + CLIENT_MARGIN_MS);
    expect(peak, `peak RSS ${mib(peak)} MiB`).to.be.below(RSS_BOUND);
    expect((await stopDaemon(daemon)).code, daemon.stderr()).to.equal(0);
  });

  it(`${CONNECTIONS} connections for ${BEHIND.seconds} s while the span pipeline is behind (queue ${BEHIND.maxQueueSize}, batches of ${BEHIND.batchSize}, a collector taking ${BEHIND.exportMs} ms an export): anonymous runs are shed (503, counted), no span is dropped from a full queue, the gate is verified within ${TIMEOUT_S} s + ${CLIENT_MARGIN_MS / 1000} s, RSS under ${RSS_BOUND / MiB} MiB`, async () => {
    let exports = 0;
    const collector = await scratchServer((req, res) => {
      req.resume();
      req.on('end', () => {
        exports += 1;
        const t = setTimeout(
          () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
          BEHIND.exportMs,
        );
        res.on('close', () => clearTimeout(t));
      });
    });
    const { daemon, gate, peak, statuses, shed, spans, measured } = await flood(
      {
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/v1/traces`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_MAX_QUEUE_SIZE: String(BEHIND.maxQueueSize),
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(BEHIND.batchSize),
      },
      BEHIND.seconds,
    );
    report(`flood of ${BEHIND.seconds} s, span pipeline behind`, { ...measured, collector_exports: exports });
    expect(statuses['503'] ?? 0, 'anonymous runs shed').to.be.above(0);
    expect(shed.span_backlog, 'counted as shed').to.be.at.least(statuses['503'] ?? 0);
    expect(spans.dropped, 'spans dropped from a full queue').to.equal(0);
    expect(gate.status, JSON.stringify(gate.receipt.checks)).to.equal(200);
    expect(gate.ms).to.be.at.most(TIMEOUT_S * 1000 + CLIENT_MARGIN_MS);
    expect(peak, `peak RSS ${mib(peak)} MiB`).to.be.below(RSS_BOUND);
    expect((await stopDaemon(daemon)).code, daemon.stderr()).to.equal(0);
  });
});
