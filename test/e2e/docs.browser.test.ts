import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { spawnDaemon, type SpawnedDaemon } from '../support/daemon';

describe('docs page in a real browser (Debian chromium, headless)', function () {
  this.timeout(90_000);
  let daemon: SpawnedDaemon;
  let browser: Browser;

  before(async () => {
    daemon = await spawnDaemon({ env: { PETSAGE_SMOKE_INTERVAL: '0' } });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
  });

  it('renders every route from /openapi.json, with assets from the daemon only', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`${daemon.url}/docs`);
    await page.waitForSelector('.opblock-summary-path');
    const rendered = await page.$$eval('.opblock', (blocks) =>
      blocks.map(
        (b) =>
          `${b.querySelector('.opblock-summary-method')?.textContent ?? ''} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? ''}`,
      ),
    );
    const doc = (await (await fetch(`${daemon.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const expected = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect([...rendered].sort()).to.deep.equal([...expected].sort());
    expect(rendered).to.include.members([
      'GET /smoke-test',
      'POST /smoke-test',
      'GET /smoke-test/{id}',
      'GET /healthz',
      'GET /system/healthz',
    ]);
    expect(requested.filter((u) => !u.startsWith(daemon.url) && !u.startsWith('data:'))).to.deep.equal([]);
  });
});
