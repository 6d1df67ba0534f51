import { EventEmitter, once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import { releaseAfter } from '../support/cleanup';
import { spawnDaemon, stopDaemon } from '../support/daemon';
import { freePort, startPrometheus } from '../support/prometheus';
import { gate, receiptOf, type Receipt } from '../support/receipts';
import { tmpDir } from '../support/tmp';

const metricOf = (r: Receipt) => r.checks['metric:verification']![0]!;

/**
 * An HTTP relay that counts what passes: `scrape` (GET /metrics) and `query` (the query API) events.
 * In `replay` mode it answers /metrics with the last exposition it relayed, as Prometheus's latest
 * sample of a target still is the old process's until the new one is first scraped.
 */
async function relay(): Promise<
  EventEmitter & { url: string; target: string; replay: boolean; close(): Promise<void> }
> {
  const events = Object.assign(new EventEmitter(), { url: '', target: '', replay: false, close: async () => {} });
  let last: { type: string; body: string } | undefined;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const isScrape = req.url?.startsWith('/metrics') ?? false;
      if (!(isScrape && events.replay && last)) {
        const answer = await fetch(`${events.target}${req.url ?? '/'}`, {
          headers: { accept: req.headers.accept ?? '*/*' },
        });
        const body = await answer.text();
        const type = answer.headers.get('content-type') ?? 'text/plain';
        if (isScrape) last = { type, body };
        res.writeHead(answer.status, { 'content-type': type }).end(body);
      } else res.writeHead(200, { 'content-type': last.type }).end(last.body);
      events.emit(isScrape ? 'scrape' : req.url?.includes('/api/v1/query') ? 'query' : 'other');
    })().catch(() => res.writeHead(502).end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  events.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  events.close = () => new Promise((resolve) => server.close(() => resolve()));
  releaseAfter('relay', () => events.close());
  return events;
}

describe('the metric verdict belongs to the process that made the run (real Prometheus)', function () {
  this.timeout(120_000);

  it("after a restart, the new process's run is pending while Prometheus holds only the old process's samples, and verified once it scrapes the new one", async () => {
    const scrapes = await relay(); // Prometheus scrapes the daemon through this
    const queries = await relay(); // the daemon queries Prometheus through this
    const prometheus = await startPrometheus([new URL(scrapes.url).host]);
    queries.target = prometheus.url;
    const env = {
      PETSAGE_SMOKE_PROMETHEUS_URL: queries.url,
      PETSAGE_SMOKE_INTERVAL: '0',
      PETSAGE_SMOKE_VERIFY_TIMEOUT: '30s',
      PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '200ms',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    const before = await spawnDaemon({ env });
    scrapes.target = before.url;
    const first = await gate(before.url);
    expect(metricOf(first.receipt), 'the first process verifies through Prometheus').to.include({
      outcome: 'verified',
    });

    // Prometheus keeps the old process's exposition as its latest sample, across the restart.
    scrapes.replay = true;
    await once(scrapes, 'scrape');
    expect((await stopDaemon(before)).code).to.equal(0);
    const after = await spawnDaemon({ env, dir: before.dir });
    scrapes.target = after.url;

    const waiting = gate(after.url);
    // The run's id, from its verification line: the gate answers only with the verdict.
    const runId = String((await after.waitForEvent('smoke_test.verification')).run_id);
    await once(scrapes, 'scrape'); // Prometheus scraped (the old samples) after the run was made ...
    await once(queries, 'query'); // ... and the new process asked twice since
    await once(queries, 'query');
    const [oldSamples] = await prometheus.query('sum(petsage_smoke_runs_total{job="petsage-smoke"})');
    expect(Number(oldSamples?.value[1]), "the old process's counter, fresh in Prometheus").to.be.at.least(1);
    const pending = await receiptOf(after.url, runId);
    expect(metricOf(pending), 'not verified from them').to.include({ status: 'warn', output: 'pending' });

    scrapes.replay = false; // the new process is scraped
    const { receipt } = await waiting;
    expect(metricOf(receipt)).to.include({ outcome: 'verified', reason: 'none' });
    expect((await stopDaemon(after)).code).to.equal(0);
  });

  it("config/production.yaml behind a Prometheus whose instance label is the pod's address: the metric is verified", async () => {
    const token = 'e2e-token-0123456789abcdef';
    const dir = tmpDir('petsage-prod-');
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, token);
    const port = await freePort();
    const prometheus = await startPrometheus([], {
      scrapeConfigs: [
        '  - job_name: petsage-smoke',
        '    authorization:',
        `      credentials_file: ${tokenFile}`,
        '    static_configs:',
        `      - targets: ["127.0.0.1:${port}"]`,
        '    relabel_configs:', // as the Kubernetes service discovery names a pod
        '      - target_label: instance',
        '        replacement: 10.42.0.17:8080',
      ].join('\n'),
    });
    const served = await spawnDaemon({
      args: ['--port', String(port)],
      env: {
        NODE_ENV: 'production',
        PETSAGE_SMOKE_AUTH_TOKEN: token,
        PETSAGE_SMOKE_PROMETHEUS_URL: prometheus.url,
        PETSAGE_SMOKE_INTERVAL: '0',
        PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '200ms',
      },
    });
    const res = await fetch(`${served.url.replace('0.0.0.0', '127.0.0.1')}/smoke-test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ wait: true }),
    });
    const receipt = (await res.json()) as Receipt;
    expect(metricOf(receipt), JSON.stringify(receipt)).to.include({ outcome: 'verified', reason: 'none' });
    const [sample] = await prometheus.query('petsage_smoke_runs_total{trigger="api",outcome="success"}');
    expect(sample?.metric.instance, 'the instance label is the relabelled address').to.equal('10.42.0.17:8080');
    expect((await stopDaemon(served)).code).to.equal(0);
  });
});
