import { DEFAULT_PIPELINE, SIGNALS, type HealthStatus } from '../../vocabulary';
import { receiptPath } from '../answers';
import type { Lag, Mark, PipelineSection, SignalCard, StatusView } from './view';

/** Every text that reaches the page goes through here: run ids, backend details, reasons. */
export const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** State is told by a symbol and a word as well as a colour. */
const STATUS_SIGN: Record<HealthStatus, string> = { pass: '✓', warn: '!', fail: '✕' };
const MARK_SIGN: Record<Mark, string> = { verified: '✓', failed: '✕', missing: '?', skipped: '–', pending: '…' };

export function duration(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${Number(s.toFixed(1))} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.floor(s % 60)} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

const badge = (status: HealthStatus, text: string = status) =>
  `<span class="badge ${status}">${STATUS_SIGN[status]} ${escapeHtml(text)}</span>`;
const row = (term: string, value: string) => `<dt>${term}</dt><dd>${value}</dd>`;

/** Lag of the recent runs as a line (verified runs) with a tick at the top for each run that failed. */
export function lagChart(lags: readonly Lag[], label: string): string {
  const W = 240;
  const H = 48;
  const max = Math.max(...lags.map((l) => (typeof l === 'number' ? l : 0)), 0.001);
  const x = (i: number) => (lags.length < 2 ? W / 2 : (i / (lags.length - 1)) * W).toFixed(1);
  const y = (l: number) => (H - 2 - (l / max) * (H - 8)).toFixed(1);
  const points = lags.flatMap((l, i) => (typeof l === 'number' ? [`${x(i)},${y(l)}`] : [])).join(' ');
  const misses = lags
    .flatMap((l, i) => (l === 'failed' ? [`<line class="miss" x1="${x(i)}" x2="${x(i)}" y1="0" y2="5"/>`] : []))
    .join('');
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title><line class="axis" x1="0" x2="${W}" y1="${H - 2}" y2="${H - 2}"/>${misses}<polyline class="lag" points="${points}"/></svg>`;
}

function signalCard(c: SignalCard, idPrefix: string): string {
  const rows = [
    c.last
      ? row(
          'Last verdict',
          `${MARK_SIGN[c.last.outcome === 'error' ? 'failed' : c.last.outcome]} ${escapeHtml(c.last.outcome)}${c.last.outcome === 'verified' ? '' : `: ${escapeHtml(c.last.reason)}`}`,
        )
      : '',
    c.last?.detail ? row('Detail', escapeHtml(c.last.detail)) : '',
    c.last?.lagSeconds !== undefined ? row('Lag', duration(c.last.lagSeconds)) : '',
    row('Since verified', c.sinceVerifiedSeconds !== undefined ? `${duration(c.sinceVerifiedSeconds)} ago` : 'never'),
    c.last?.backend ? row('Read from', escapeHtml(c.last.backend)) : '',
    c.share
      ? row(
          'Verified',
          c.share.judged
            ? `${c.share.verified} of ${c.share.judged} (${Math.floor((c.share.verified / c.share.judged) * 1000) / 10} %)`
            : 'none judged yet',
        )
      : '',
    c.output ? row('Health', escapeHtml(c.output)) : '',
  ].join('');
  const lagLine =
    c.p50 !== undefined
      ? `<p class="pct">lag p50 ${duration(c.p50)} · p99 ${duration(c.p99 ?? c.p50)}</p>`
      : c.lags
        ? '<p class="pct">no run verified lately: no lag to show</p>'
        : '';
  const chart =
    c.lags && c.lags.length > 0 ? lagChart(c.lags, `${c.signal} lag over the last ${c.lags.length} runs`) : '';
  return `<article class="card ${c.status}" id="signal-${idPrefix}${c.signal}"><h3>${c.signal} ${badge(c.status)}</h3><dl>${rows}</dl>${chart}${lagLine}</article>`;
}

function grid(view: PipelineSection): string {
  if (!view.recent)
    return '<p class="note">Recent runs, lag and shares are shown with the bearer token (auth.token is set), as on /metrics.</p>';
  if (view.recent.length === 0) return '<p class="note">No runs yet.</p>';
  const legend = (Object.keys(MARK_SIGN) as Mark[])
    .map((m) => `<li><span class="m ${m}">${MARK_SIGN[m]}</span> ${m}</li>`)
    .join('');
  const rows = SIGNALS.map((s) => {
    const marks = view.recent!.map((r) => {
      const { mark, text } = r.marks[s];
      // The label is also the tooltip (status.css shows it on hover and focus): written once per mark.
      const label = escapeHtml(`run ${r.seq} (${r.trigger}) ${s}: ${text}`);
      return `<a class="m ${mark}" href="${escapeHtml(receiptPath(r.id))}" aria-label="${label}">${MARK_SIGN[mark]}</a>`;
    });
    return `<div class="row"><span class="rl">${s}</span><div class="marks">${marks.join('')}</div></div>`;
  }).join('');
  return `<ul class="legend">${legend}</ul><p class="note">Oldest left, newest right; each mark links to its run's receipt. ${view.receiptsKept} receipts kept.</p><div class="grid">${rows}</div>`;
}

function schedule(view: PipelineSection): string {
  const { state, intervalMs, nextInSeconds } = view.schedule;
  if (state === 'disabled') return 'schedule off (runs on request only)';
  return `schedule ${state}, every ${duration(intervalMs / 1000)}${nextInSeconds !== undefined ? `, next run in ${duration(nextInSeconds)}` : ''}`;
}

const OVERALL: Record<HealthStatus, string> = {
  pass: 'every signal gets through',
  warn: 'a signal is stale or not verified yet',
  fail: 'a signal is failing',
};

/** One pipeline: its signals and recent runs. With one pipeline only, it is the page itself (no heading of its own). */
function pipelineSection(p: PipelineSection, several: boolean): string {
  // The default pipeline's ids are the page's own (#signal-log, #h-runs); another's carry its name.
  const name = escapeHtml(p.name);
  const [id, h] = p.name === DEFAULT_PIPELINE ? ['', several ? 'h3' : 'h2'] : [`${name}-`, 'h3'];
  const parts = `<section aria-labelledby="h-signals${id ? `-${name}` : ''}"><${h} id="h-signals${id ? `-${name}` : ''}">Signals</${h}><div class="cards">${p.cards.map((c) => signalCard(c, id)).join('')}</div></section>
<section aria-labelledby="h-runs${id ? `-${name}` : ''}"><${h} id="h-runs${id ? `-${name}` : ''}">Recent runs</${h}>${grid(p)}</section>`;
  if (!several) return parts;
  return `<section class="pipeline" aria-labelledby="p-${name}"><h2 id="p-${name}">Pipeline ${name} ${badge(p.status)}</h2><p class="meta">${schedule(p)}</p>
${parts}</section>`;
}

/** The status page: server-rendered, no inline script or style (the CSP forbids both). */
export function renderStatusPage(view: StatusView, assetVersion: string): string {
  const v = encodeURIComponent(assetVersion);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${STATUS_SIGN[view.status]} ${view.status} · ${escapeHtml(view.service)}</title>
<link rel="icon" href="/status/favicon.svg?v=${v}" type="image/svg+xml"><link rel="stylesheet" href="/status/status.css?v=${v}"><script src="/status/status.js?v=${v}" defer></script></head>
<body><main id="status" data-status="${view.status}">
<header><h1>${escapeHtml(view.service)} ${badge(view.status, `${view.status}: ${view.draining ? 'shutting down' : OVERALL[view.status]}`)}</h1>
<p class="meta">version ${escapeHtml(view.version)} · up ${duration(view.uptimeSeconds)}${view.pipelines.length === 1 ? ` · ${schedule(view.pipelines[0]!)}` : ''} · updated <time datetime="${view.generatedAt}">${view.generatedAt.replace('T', ' ').slice(0, 19)} UTC</time></p></header>
${view.pipelines.map((p) => pipelineSection(p, view.pipelines.length > 1)).join('\n')}
<footer><nav aria-label="links"><a href="/metrics">/metrics</a> <a href="/docs">/docs</a> <a href="/healthz">/healthz</a> <a href="/openapi.json">/openapi.json</a></nav></footer>
</main></body></html>
`;
}
