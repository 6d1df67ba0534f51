import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { expect } from 'chai';
import { METRIC } from '../../src/vocabulary';
import { jsonLines, spawnDaemon, UNLIMITED, stopDaemon } from '../support/daemon';
import { gate, receiptOf } from '../support/receipts';
import { releaseAfter } from '../support/cleanup';

type Mode = 'ok' | 'refuses' | 'hangs' | 'answers 503';

/** A scratch OTLP/HTTP collector whose behaviour the test switches while the daemon runs. */
async function switchableCollector() {
  let mode: Mode = 'ok';
  let accepted = 0;
  const onAccepted: (() => void)[] = [];
  const server = createServer((req, res) => {
    if (mode === 'hangs') return; // reads nothing, answers nothing
    req.resume();
    req.on('end', () => {
      if (mode === 'answers 503') return void res.writeHead(503).end();
      accepted += 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      for (const resolve of onAccepted.splice(0)) resolve();
    });
  });
  server.on('connection', (socket) => {
    if (mode === 'refuses') socket.destroy(); // connection reset, as a collector going away does
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  releaseAfter('collector', () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set(next: Mode) {
      mode = next;
      if (next === 'ok') server.closeAllConnections(); // let go of hung exports
    },
    accepted: () => accepted,
    /** Resolves when the collector next accepts an export. */
    nextAccepted: () => new Promise<void>((resolve) => onAccepted.push(resolve)),
  };
}

const sample = (text: string, name: string, labels: string) =>
  Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

// A small queue and short timeouts, so the limits are reached within a bounded load.
const QUEUE = 256;
const BATCH = 64;
// The trace pipeline alone: with an OTLP endpoint set, log records would go to the collector too.
const PIPELINE = {
  OTEL_LOGS_EXPORTER: 'none',
  OTEL_BSP_MAX_QUEUE_SIZE: String(QUEUE),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(BATCH),
  OTEL_BSP_SCHEDULE_DELAY: '100',
  OTEL_BSP_EXPORT_TIMEOUT: '500',
  PETSAGE_SMOKE_INTERVAL: '0',
};
// A hung export is waited for through the whole load (until the collector lets go), so the queue
// fills whatever the machine's speed: with a short timeout, how much drains first is a race.
const HUNG = { OTEL_BSP_EXPORT_TIMEOUT: '60000' };
const LOAD = 3000;

describe('daemon process: a trace collector that is down or slow', function () {
  this.timeout(120_000);

  for (const mode of ['refuses', 'hangs', 'answers 503'] as const) {
    it(`collector ${mode}: every run answers, 200 or shed (503) once the span queue is half full; spans counted failed or dropped (queue bounded); export recovers without a restart`, async () => {
      const collector = await switchableCollector();
      collector.set(mode);
      const daemon = await spawnDaemon({
        load: true,
        env: {
          ...UNLIMITED,
          ...PIPELINE,
          ...(mode === 'hangs' ? HUNG : {}),
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        },
      });
      const metricsText = async () => (await fetch(`${daemon.url}/metrics`)).text();
      const rss = (text: string) => Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1]);
      const rssBefore = rss(await metricsText());
      const load = await autocannon({ url: `${daemon.url}/smoke-test`, connections: 10, amount: LOAD });
      const shed = sample(await metricsText(), METRIC.runsShed, 'reason="span_backlog"');
      expect(
        [load['2xx'], load.non2xx],
        'every run answered: 200, or 503 while the span queue is behind',
      ).to.deep.equal([LOAD - shed, shed]);
      if (mode === 'hangs')
        expect(shed, 'a hung collector fills the queue: anonymous runs are shed').to.be.greaterThan(0);

      const during = await metricsText();
      const failed = sample(during, METRIC.spansExported, 'pipeline="default",outcome="failure"');
      const dropped = sample(during, METRIC.spansExported, 'pipeline="default",outcome="dropped"');
      expect(sample(during, METRIC.spansExported, 'pipeline="default",outcome="success"')).to.equal(0);
      // Counted while it happens (the exact tally, every span, is checked at shutdown below); a hung
      // export fails nothing until it times out: its spans wait in the queue.
      if (mode !== 'hangs') expect(failed + dropped).to.be.greaterThan(0);
      // A hung export holds one batch and the queue fills: every span beyond is dropped (counted)
      // instead of growing memory.
      if (mode === 'hangs') {
        // Deploy gates are never shed: they fill the queue the rest of the way, and past it their spans are dropped, counted.
        const gates = await autocannon({
          url: `${daemon.url}/smoke-test`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
          connections: 10,
          amount: QUEUE,
        });
        expect(gates['2xx']).to.equal(QUEUE);
        const after = await metricsText();
        expect(sample(after, METRIC.spansExported, 'pipeline="default",outcome="dropped"')).to.be.greaterThan(0);
        // A run whose span finds the queue full says so at once, and its receipt carries it as the trace verdict.
        const run = (await (
          await fetch(`${daemon.url}/smoke-test`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          })
        ).json()) as {
          run_id: string;
          signals: { trace: { status: string; reason?: string } };
        };
        expect(run.signals.trace).to.deep.equal({ status: 'error', reason: 'dropped' });
        const receipt = await receiptOf(daemon.url, run.run_id);
        expect(receipt.checks['trace:verification']![0]).to.include({ outcome: 'error', reason: 'dropped' });
      }
      const rssAfter = rss(during);
      process.stdout.write(
        `      ${mode}: ${LOAD} runs, p50/p99 ${load.latency.p50}/${load.latency.p99} ms; spans failed ${failed}, dropped ${dropped}; ` +
          `RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> ${(rssAfter / 2 ** 20).toFixed(0)} MiB\n`,
      );

      // After a hang the queue is full until the held batch fails and the next one goes out;
      // the gate's span would be dropped before that.
      const draining = mode === 'hangs' ? collector.nextAccepted() : undefined;
      collector.set('ok');
      await draining;
      const { status, receipt } = await gate(daemon.url, `recovered-${mode.replace(/\s/g, '-')}`);
      expect(status, JSON.stringify(receipt)).to.equal(200);
      expect(receipt.checks['trace:verification']![0]!.outcome).to.equal('verified');
      expect(collector.accepted()).to.be.greaterThan(0);
      expect((await stopDaemon(daemon)).code, daemon.stderr()).to.equal(0);
      // Never a silent drop: every run's span is exported, failed or dropped, and counted.
      const stopped = jsonLines(daemon.logFile).find((l) => l.event === 'daemon.stopped')!;
      expect(Number(stopped.spans_exported) + Number(stopped.spans_failed) + Number(stopped.spans_dropped)).to.equal(
        stopped.runs_total,
      );
    });
  }
});
