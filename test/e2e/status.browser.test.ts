import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { EVENT } from '../../src/vocabulary';
import { UNLIMITED, spawnDaemon, type SpawnedDaemon } from '../support/daemon';
import { freePort } from '../support/prometheus';
import { startTempo } from '../support/standins/tempo';

/** Where the screenshot goes: a test artifact, outside the repository's sources (git-ignored). */
export const ARTIFACTS = path.join(__dirname, '..', '..', '..', 'var', 'test-artifacts');

describe('status page in a real browser (Debian chromium, headless)', function () {
  this.timeout(90_000);
  let daemon: SpawnedDaemon;
  let browser: Browser;
  const closers: (() => Promise<unknown>)[] = [];

  const get = async (): Promise<string> =>
    ((await (await fetch(`${daemon.url}/smoke-test`)).json()) as { run_id: string }).run_id;
  /** Whether a run's signal has no verdict yet, by its receipt. */
  const stillPending = async (id: string, signal: string) =>
    (
      (await (await fetch(`${daemon.url}/smoke-test/${id}`)).json()) as {
        checks: Record<string, { output?: string; outcome?: string }[]>;
      }
    ).checks[`${signal}:verification`]![0]!.outcome === undefined;
  const failed = (id: string, signal: string) =>
    daemon.waitForEvent(EVENT.verificationFailed, (l) => l.run_id === id && l.signal === signal);

  before(async () => {
    // Spans are exported to one Tempo stand-in and read back from another, empty one: trace "missing".
    // Prometheus' address is a closed port: metric "error" (unreachable). The log is verified.
    const exportedTo = await startTempo();
    const readFrom = await startTempo();
    closers.push(
      () => exportedTo.close(),
      () => readFrom.close(),
    );
    daemon = await spawnDaemon({
      env: {
        ...UNLIMITED,
        PETSAGE_SMOKE_INTERVAL: '0',
        PETSAGE_SMOKE_VERIFY_TIMEOUT: '8s',
        PETSAGE_SMOKE_VERIFY_POLL_INTERVAL: '100ms',
        PETSAGE_SMOKE_VERIFY_MAX_PENDING: '2',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${exportedTo.url}/v1/traces`,
        PETSAGE_SMOKE_TEMPO_URL: readFrom.url,
        PETSAGE_SMOKE_PROMETHEUS_URL: `http://127.0.0.1:${await freePort()}`,
      },
    });
    closers.push(async () => {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    });
    browser = await launchChromium();
    closers.push(() => browser.close());
    // Four at once: two are read back, two are over capacity (skipped). Then two more, failing again,
    // so the trace and metric signals fail (failAfterRuns 3); the last run is still pending.
    const fails = (ids: string[]) => Promise.all(ids.flatMap((id) => [failed(id, 'trace'), failed(id, 'metric')]));
    const first = await Promise.all([get(), get(), get(), get()]);
    const outcomes = await Promise.all(
      first.map(
        async (id) => ((await (await fetch(`${daemon.url}/smoke-test/${id}`)).json()) as { outcome: string }).outcome,
      ),
    );
    expect(
      outcomes.filter((o) => o === 'unverified'),
      'over capacity',
    ).to.have.length(2);
    await fails(first.filter((_, i) => outcomes[i] === 'pending'));
    await fails(await Promise.all([get(), get()]));
  });

  after(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  });

  it("shows each signal's state, every outcome in the grid and the lag charts; loads nothing but the daemon; updates in place", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 900 } });
    const requested: string[] = [];
    const complaints: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => complaints.push(m.text()));
    page.on('pageerror', (e) => complaints.push(e.message));
    // A page rendered while the newest run's metric was still being read back: its receipt, asked after
    // the render, still says pending (a verdict never goes back to pending). A run whose read-back ended
    // first (8 s: a slow render) proves nothing about the page, so another run is made.
    let pendingRun: string;
    let response: Awaited<ReturnType<typeof page.goto>>;
    let runsMade = 0;
    do {
      pendingRun = await get();
      runsMade += 1;
      response = await page.goto(`${daemon.url}/`);
    } while (!(await stillPending(pendingRun, 'metric')));
    expect(response?.headers()['content-type']).to.equal('text/html; charset=utf-8');

    expect(await page.getAttribute('#status', 'data-status')).to.equal('fail');
    const cards = await page.$$eval('.card', (els) => els.map((e) => `${e.id}:${e.classList[1]}`));
    expect(cards).to.deep.equal(['signal-log:pass', 'signal-trace:fail', 'signal-metric:fail']);
    expect(await page.textContent('#signal-trace')).to.match(/missing: notfound_byid/);
    expect(await page.textContent('#signal-metric')).to.include('error: unreachable');
    expect(await page.textContent('#signal-log')).to.include('Read fromfile');
    const marks = await page.$$eval('.marks .m', (els) => els.map((e) => e.classList[1]));
    for (const kind of ['verified', 'failed', 'missing', 'skipped', 'pending']) expect(marks, kind).to.include(kind);
    // The newest run's metric is still being read back.
    expect(await page.getAttribute(`.row:nth-child(3) a[href="/smoke-test/${pendingRun}"]`, 'class')).to.equal(
      'm pending',
    );
    const points = await page.getAttribute('#signal-log .chart polyline', 'points');
    // The log lines read back: four before, and those of the runs made here (the newest may not be yet).
    expect(points?.split(' ').length).to.be.within(4 + runsMade - 1, 4 + runsMade);
    expect(await page.textContent('#signal-log .pct')).to.match(/^lag p50 \d+ ms · p99 \d+ ms$/);
    // Phone width: nothing wider than the screen.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).to.be.at.most(375);

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'status-page.png');
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.screenshot({ path: shot, fullPage: true });
    // Page-side expressions as strings: the tests compile without the DOM types.
    const timing = await page.evaluate<{ ttfb: number; rendered: number }>(
      "(() => { const n = performance.getEntriesByType('navigation')[0]; return { ttfb: n.responseStart - n.requestStart, rendered: n.domContentLoadedEventEnd - n.startTime }; })()",
    );
    process.stdout.write(
      `      status page: screenshot ${shot}; ${(await response!.body()).length} bytes of HTML; first byte ${timing.ttfb.toFixed(1)} ms, DOM ready ${timing.rendered.toFixed(1)} ms\n`,
    );

    // In place: a new run appears without a navigation (the page's own marker survives).
    await page.evaluate('window.marker = 42');
    const before = (await page.$$('.row:first-child .m')).length;
    await get();
    // A function, not a string: the page's CSP forbids eval.
    type Dom = { document: { querySelectorAll(selector: string): { length: number } } };
    await page.waitForFunction(
      (n) => (globalThis as unknown as Dom).document.querySelectorAll('.row:first-child .m').length === n,
      before + 1,
      { timeout: 30_000 },
    );
    expect(await page.evaluate('window.marker')).to.equal(42);

    expect(
      requested.filter((u) => !u.startsWith(daemon.url)),
      'loaded from elsewhere',
    ).to.deep.equal([]);
    expect(complaints, 'console errors or CSP violations').to.deep.equal([]);
  });
});
