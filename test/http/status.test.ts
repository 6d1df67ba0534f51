import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import type { Runs } from '../../src/runs';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import type { Scheduler } from '../../src/smoke/scheduler';
import type { RunReport } from '../../src/verify/judge';
import { createSignalHealth } from '../../src/verify/signalHealth';
import type { Verdict } from '../../src/verify/types';
import { duration, escapeHtml, lagChart, renderStatusPage } from '../../src/http/status/page';
import { STATUS_CSP } from '../../src/http/routes/status';
import {
  percentile,
  statusView,
  type PipelineSection,
  type StatusSources,
  type StatusView,
} from '../../src/http/status/view';
import type { Signal } from '../../src/vocabulary';
import { testService } from '../support/app';
import { fakePorts } from '../support/fakes';
import { REPO_ROOT } from '../support/repo';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>&';

/** Sources with one run per given set of verdicts (oldest first); a verdict left out is pending. */
function sources(
  runsVerdicts: Partial<Record<Signal, Omit<Verdict, 'signal' | 'at'>>>[],
  o: { schedule?: Scheduler['state'] } = {},
): StatusSources {
  const run = createSmokeRunner(fakePorts().ports);
  // The daemon started two minutes ago; every verdict landed a second ago (the monotonic clock, in ms).
  let mono = 0;
  const health = createSignalHealth({ staleAfterMs: 60_000, failAfterRuns: 2, mono: () => mono });
  mono = 119_000;
  const reports: RunReport[] = runsVerdicts.map((given) => {
    const r = run('schedule');
    const verdicts: RunReport['verdicts'] = {};
    for (const [signal, finding] of Object.entries(given) as [Signal, Omit<Verdict, 'signal' | 'at'>][]) {
      const v: Verdict = { signal, ...finding, at: new Date(NOW - 1000) };
      verdicts[signal] = v;
      health.observe(v);
    }
    return { run: r, verdicts, status: 'pending', settled: Promise.race([]) };
  });
  mono = 120_000;
  const runs = { latest: () => reports[reports.length - 1], reports: () => reports } as unknown as Runs;
  const state = o.schedule ?? 'running';
  const scheduler = {
    state,
    intervalMs: 15_000,
    nextRunAtMs: state === 'running' ? NOW + 4_000 : undefined,
  } as Scheduler;
  return {
    service: { name: 'petsage-smoke', version: '9.9.9' },
    runs,
    pipelines: [{ name: 'default', signalHealth: health, scheduler }],
    startedAtMs: NOW - 3_723_000,
    now: () => NOW,
    draining: () => false,
  };
}

const ok = (lag: number, backend: Verdict['backend'] = 'file') =>
  ({ outcome: 'verified', reason: 'none', lagSeconds: lag, backend }) as const;
const allOk = (lag: number) => ({ log: ok(lag), trace: ok(lag, 'tempo'), metric: ok(lag, 'prometheus') });

describe('status page: rendering', () => {
  it('a healthy daemon: every card passes, with its last lag, backend, share and percentiles', () => {
    const view = statusView(sources([allOk(0.1), allOk(0.2), allOk(0.3)]), true);
    expect(view.status).to.equal('pass');
    const log = view.pipelines[0]!.cards[0]!;
    expect(log).to.include({ signal: 'log', status: 'pass', p50: 0.2, p99: 0.3 });
    expect(log.last).to.include({ outcome: 'verified', backend: 'file', lagSeconds: 0.3 });
    expect(log.share).to.deep.equal({ verified: 3, judged: 3 });
    expect(view.pipelines[0]!.cards[1]!.last?.backend).to.equal('tempo');
    expect(view.uptimeSeconds).to.equal(3723);
    expect(view.pipelines[0]!.schedule).to.deep.equal({ state: 'running', intervalMs: 15_000, nextInSeconds: 4 });
    const html = renderStatusPage(view, '9.9.9');
    expect(html).to.include('<title>✓ pass · petsage-smoke</title>');
    expect(html).to.include('every signal gets through');
    expect(html).to.include('up 1 h 2 min');
    expect(html).to.include('schedule running, every 15 s, next run in 4 s');
    expect(html).to.include('<dt>Read from</dt><dd>tempo</dd>');
    expect(html).to.include('<dt>Verified</dt><dd>3 of 3 (100 %)</dd>');
    expect(html).to.include('lag p50 200 ms · p99 300 ms');
  });

  it('each mark in the grid: verified, failed, missing, skipped and pending, in words and symbols, linked to its receipt', () => {
    const src = sources([
      {
        log: ok(0.1),
        trace: { outcome: 'error', reason: 'unreachable', backend: 'tempo', detail: HOSTILE },
        metric: { outcome: 'missing', reason: 'not_found', backend: 'prometheus' },
      },
      {
        log: { outcome: 'skipped', reason: 'over_capacity' },
        trace: { outcome: 'error', reason: 'server_error', backend: 'tempo' },
      },
    ]);
    const view = statusView(src, true);
    expect(
      view.pipelines[0]!.recent!.map((r) => [r.marks.log.mark, r.marks.trace.mark, r.marks.metric.mark]),
    ).to.deep.equal([
      ['verified', 'failed', 'missing'],
      ['skipped', 'failed', 'pending'],
    ]);
    expect(view.status).to.equal('fail'); // two trace failures in a row: failAfterRuns 2
    expect(view.pipelines[0]!.cards[1]).to.include({ status: 'fail' });
    expect(view.pipelines[0]!.cards[0]!.share).to.deep.equal({ verified: 1, judged: 1 });
    expect(view.pipelines[0]!.cards.map((c) => c.lags)).to.deep.equal([
      [0.1, undefined],
      ['failed', 'failed'],
      ['failed', undefined],
    ]);
    const html = renderStatusPage(view, '1');
    const id = view.pipelines[0]!.recent![0]!.id;
    expect(html).to.include(
      `<a class="m verified" href="/smoke-test/${id}" aria-label="run 1 (schedule) log: verified in 0.1 s (file)"`,
    );
    expect(html).to.include('trace: failed: unreachable (tempo)');
    expect(html).to.include('metric: missing: not_found (prometheus)');
    expect(html).to.include('log: skipped: over_capacity');
    expect(html).to.include('metric: pending');
    expect(html).to.include('<span class="badge fail">✕ fail</span>');
    expect(html).to.include('a signal is failing');
  });

  it('nothing from a backend or a client appears unescaped', () => {
    const html = renderStatusPage(
      statusView(
        sources([{ trace: { outcome: 'error', reason: 'bad_response', backend: 'tempo', detail: HOSTILE } }]),
        true,
      ),
      '"><script>',
    );
    expect(html).to.include(escapeHtml(HOSTILE));
    expect(html).to.not.include(HOSTILE);
    expect(html.match(/<script/g)).to.have.length(1); // the page's own script only
    expect(html).to.include('status.js?v=%22%3E%3Cscript%3E');
  });

  it('stale, never verified and suspended are told as such', () => {
    const view = statusView(sources([], { schedule: 'suspended' }), true);
    expect(view.status).to.equal('warn');
    const html = renderStatusPage(view, '1');
    expect(html).to.include('<dt>Since verified</dt><dd>never</dd>');
    expect(html).to.include('not verified yet');
    expect(html).to.include('schedule suspended, every 15 s ·');
    expect(html).to.include('No runs yet.');
    expect(renderStatusPage(statusView(sources([], { schedule: 'disabled' }), true), '1')).to.include('schedule off');
  });

  it('the reduced view (auth.token set, not given) shows only what /healthz shows', () => {
    const view = statusView(sources([allOk(0.1)]), false);
    expect(view.pipelines[0]!.recent).to.equal(undefined);
    expect(view.pipelines[0]!.cards[0]).to.not.have.any.keys('last', 'lags', 'share', 'p50');
    const html = renderStatusPage(view, '1');
    expect(html).to.include('shown with the bearer token');
    expect(html).to.not.include('class="m verified"');
    expect(html).to.not.include(view.pipelines[0]!.cards[0]!.signal === 'log' ? 'Read from' : '');
  });

  it('percentiles by nearest rank, durations for people, a chart with a tick per run not verified', () => {
    expect(percentile([], 50)).to.equal(undefined);
    expect(percentile([1, 2, 3, 4], 50)).to.equal(2);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        99,
      ),
    ).to.equal(99);
    expect([0.0042, 12.34, 75, 7260, 90_000].map(duration)).to.deep.equal([
      '4 ms',
      '12.3 s',
      '1 min 15 s',
      '2 h 1 min',
      '1 d 1 h',
    ]);
    const svg = lagChart([0.1, 'failed', undefined, 0.2], 'log lag');
    expect(svg).to.include('points="0.0,26.0 240.0,6.0"');
    expect(svg.match(/class="miss"/g)).to.have.length(1);
    expect(svg).to.include('<title>log lag</title>');
  });
});

/** Every state the page can show at once: three cards (pass, warn, fail), each kind of mark, hostile text. */
const EVERY_STATE: StatusView = {
  service: 'smoke <prod>',
  version: '1.2.3',
  generatedAt: '2026-12-04T12:00:00.123Z',
  uptimeSeconds: 3725,
  status: 'fail',
  draining: false,
  pipelines: [
    {
      name: 'default',
      status: 'fail',
      schedule: { state: 'running', intervalMs: 15_000, nextInSeconds: 4.2 },
      cards: [
        {
          signal: 'log',
          status: 'pass',
          sinceVerifiedSeconds: 12,
          last: {
            signal: 'log',
            outcome: 'verified',
            reason: 'none',
            lagSeconds: 0.25,
            backend: 'loki',
            at: new Date(NOW),
          },
          lags: [0.2, 0.3, undefined, 0.25],
          p50: 0.25,
          p99: 0.3,
          share: { verified: 2, judged: 3 },
        },
        { signal: 'trace', status: 'warn', output: 'not verified yet' },
        {
          signal: 'metric',
          status: 'fail',
          output: '3 runs in a row failed (error: unreachable)',
          sinceVerifiedSeconds: 90_061,
          last: {
            signal: 'metric',
            outcome: 'error',
            reason: 'unreachable',
            backend: 'prometheus',
            detail: HOSTILE,
            at: new Date(NOW),
          },
          lags: ['failed', undefined],
          share: { verified: 0, judged: 0 },
        },
      ],
      recent: [
        {
          id: 'gate/1',
          seq: 1,
          trigger: 'api',
          startedAt: '2026-12-04T11:59:00.000Z',
          marks: {
            log: { mark: 'verified', text: 'verified' },
            trace: { mark: 'missing', text: 'missing: timeout' },
            metric: { mark: 'failed', text: 'error: <x>' },
          },
        },
        {
          id: 'b'.repeat(32),
          seq: 2,
          trigger: 'schedule',
          startedAt: '2026-12-04T11:59:15.000Z',
          marks: {
            log: { mark: 'skipped', text: 'skipped: sampled_out' },
            trace: { mark: 'pending', text: 'pending' },
            metric: { mark: 'pending', text: 'pending' },
          },
        },
      ],
      receiptsKept: 2,
    },
  ],
};

describe('status page: the page as a person reads it', () => {
  it('renders every state exactly as approved (test/fixtures/status-page.html: update it only for a change meant to be seen)', () => {
    const approved = readFileSync(path.join(REPO_ROOT, 'test/fixtures/status-page.html'), 'utf8');
    const rendered = renderStatusPage(EVERY_STATE, 'v1');
    if (rendered !== approved) {
      // What changed, to look at (and to approve by copying it over the fixture).
      mkdirSync(path.join(REPO_ROOT, 'var'), { recursive: true });
      writeFileSync(path.join(REPO_ROOT, 'var/status-page.rendered.html'), rendered);
    }
    expect(rendered, 'rendered page written to var/status-page.rendered.html').to.equal(approved);
  });

  it('without the token, when empty, shutting down, on request only', () => {
    const only = EVERY_STATE.pipelines[0]!;
    const withPipeline = (p: Partial<PipelineSection>, view: Partial<StatusView> = {}): StatusView => ({
      ...EVERY_STATE,
      ...view,
      pipelines: [{ ...only, ...p }],
    });
    const quietView = { status: 'warn', draining: true } as const;
    const quiet = { schedule: { state: 'disabled', intervalMs: 0 } } as const;
    const hidden = renderStatusPage(withPipeline({ ...quiet, recent: undefined }, quietView), 'v1');
    expect(hidden).to.include(
      '<p class="note">Recent runs, lag and shares are shown with the bearer token (auth.token is set), as on /metrics.</p>',
    );
    expect(hidden).to.include('<span class="badge warn">! warn: shutting down</span>');
    expect(hidden).to.include('schedule off (runs on request only)');
    expect(renderStatusPage(withPipeline({ ...quiet, recent: [] }, quietView), 'v1')).to.include(
      '<section aria-labelledby="h-runs"><h2 id="h-runs">Recent runs</h2><p class="note">No runs yet.</p></section>',
    );
    const suspended = renderStatusPage(
      withPipeline({ schedule: { state: 'suspended', intervalMs: 60_000 } }, { status: 'pass' }),
      'v1',
    );
    expect(suspended).to.include('schedule suspended, every 1 min 0 s · updated');
    expect(suspended).to.include('pass: every signal gets through');
  });

  it("durations at each unit's edge, and a chart of one point drawn in the middle", () => {
    expect([0.9994, 1, 59.96, 60, 3599, 3600, 86_399, 86_400].map(duration)).to.deep.equal([
      '999 ms',
      '1 s',
      '60 s',
      '1 min 0 s',
      '59 min 59 s',
      '1 h 0 min',
      '23 h 59 min',
      '1 d 0 h',
    ]);
    expect(lagChart([0.5], 'one')).to.include('points="120.0,6.0"');
    expect(lagChart(['failed', 0.5], 'two')).to.include(
      '<line class="miss" x1="0.0" x2="0.0" y1="0" y2="5"/><polyline class="lag" points="240.0,6.0"/>',
    );
  });
});

describe('status page: routes', () => {
  it('GET / answers the page to a browser and JSON otherwise; /status always the page, under a CSP without unsafe-inline', async () => {
    const svc = testService();
    const app = svc.app.callback();
    await request(app).get('/smoke-test').expect(200);
    const browser = await request(app)
      .get('/')
      .set('Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')
      .expect(200);
    expect(browser.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(browser.headers['content-security-policy']).to.equal(STATUS_CSP);
    expect(STATUS_CSP).to.not.include('unsafe-inline');
    expect(browser.headers.vary).to.include('Accept');
    expect(browser.text).to.include('<h2 id="h-runs">Recent runs</h2>');
    for (const accept of ['*/*', 'application/json', '']) {
      const res = await request(app).get('/').set('Accept', accept).expect(200);
      expect(res.body.links.status, accept).to.equal('/status');
    }
    const page = await request(app)
      .get('/status?q=<b>x</b>')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    expect(page.text).to.not.include('<b>x</b>');
    const assets = {
      'status.css': 'text/css; charset=utf-8',
      'status.js': 'text/javascript; charset=utf-8',
      'favicon.svg': 'image/svg+xml',
    };
    for (const [asset, type] of Object.entries(assets)) {
      const res = await request(app).get(`/status/${asset}`).expect(200);
      expect([res.headers['content-type'], res.headers['cache-control']], asset).to.deep.equal([
        type,
        'public, max-age=86400',
      ]);
    }
    expect((await request(app).get('/status/status.js').expect(200)).text).to.include('replaceWith');
    const missing = await request(app).get('/status/constructor').expect(404);
    expect(missing.body.error).to.include({ status: 404, message: 'no such status page asset' });
  });

  it('with auth.token set, the grid needs the token; without it the page shows health only', async () => {
    const svc = testService({ env: { PETSAGE_SMOKE_AUTH_TOKEN: 'sekret-token-0123456789' } });
    const app = svc.app.callback();
    await request(app).get('/smoke-test').expect(200);
    const open = await request(app).get('/status').expect(200);
    expect(open.text).to.include('shown with the bearer token');
    expect(open.text).to.not.include('class="m ');
    const withToken = await request(app)
      .get('/status')
      .set('Authorization', 'Bearer sekret-token-0123456789')
      .expect(200);
    expect(withToken.text).to.include('class="m ');
    expect(withToken.text).to.not.include('sekret-token-0123456789');
  });
});
