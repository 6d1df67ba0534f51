/**
 * The status page's stylesheet and script, served from the daemon (no CDN, no inline code).
 * The script only refreshes the page's <main> in place every few seconds; without it a reload
 * shows the same current data.
 */
export const STATUS_CSS = `:root{--pass:#116329;--warn:#7d4e00;--fail:#b3261e;--pending:#1f4fa8;--skipped:#59636e;--bg:#fff;--fg:#1f2328;--line:#d0d7de}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:72rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
h3{font-size:1rem;margin:0 0 .4rem;display:flex;justify-content:space-between;gap:.5rem}.meta,.note{color:var(--skipped);margin:.2rem 0}
.badge{display:inline-block;font-size:.85rem;padding:.05rem .5rem;border-radius:1rem;border:2px solid;font-weight:600;vertical-align:middle}
.badge.pass{color:var(--pass)}.badge.warn{color:var(--warn);border-style:dashed}.badge.fail{color:#fff;background:var(--fail);border-color:var(--fail)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));gap:.8rem}
.card{border:1px solid var(--line);border-left:6px solid var(--pass);border-radius:6px;padding:.7rem}.card.warn{border-left:6px dashed var(--warn)}.card.fail{border-left:6px double var(--fail)}
dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .6rem;margin:0}dt{color:var(--skipped)}dd{margin:0;overflow-wrap:anywhere}
.chart{width:100%;height:3rem;margin-top:.5rem}.chart .lag{fill:none;stroke:var(--pending);stroke-width:1.5;vector-effect:non-scaling-stroke}
.chart .axis{stroke:var(--line)}.chart .miss{stroke:var(--fail);stroke-width:2;vector-effect:non-scaling-stroke}.pct{margin:.2rem 0 0;font-size:.9rem}
.legend{list-style:none;padding:0;margin:.3rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1rem}
.row{display:flex;gap:.5rem;align-items:flex-start;margin:.3rem 0}.rl{width:3.5rem;flex:none;font-weight:600}.marks{display:flex;flex-wrap:wrap;gap:2px}
.m{display:inline-block;width:1.25rem;height:1.25rem;line-height:1.25rem;text-align:center;border-radius:3px;color:#fff;text-decoration:none;font-size:.8rem;font-weight:700}
.m.verified{background:var(--pass)}.m.failed{background:var(--fail)}.m.missing{background:var(--warn)}.m.skipped{background:var(--skipped)}.m.pending{background:var(--pending)}
a.m{position:relative}a.m:focus{outline:2px solid var(--fg);outline-offset:1px}
a.m:hover::after,a.m:focus::after{content:attr(aria-label);position:absolute;left:0;top:1.45rem;z-index:1;background:var(--fg);color:#fff;padding:.15rem .4rem;border-radius:3px;white-space:nowrap;font-weight:400}footer{margin-top:1.5rem;border-top:1px solid var(--line);padding-top:.5rem}footer a{margin-right:1rem}
`;

/** Three dots, one per signal: the tab's icon (a browser asks for one; without it, a 404). */
export const STATUS_ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 30 10"><circle cx="5" cy="5" r="4" fill="#116329"/><circle cx="15" cy="5" r="4" fill="#1f4fa8"/><circle cx="25" cy="5" r="4" fill="#7d4e00"/></svg>\n';

export const STATUS_JS = `(() => {
  const seconds = 5;
  async function refresh() {
    try {
      const res = await fetch(location.pathname, { headers: { accept: 'text/html' }, cache: 'no-store' });
      if (!res.ok && res.status !== 503) return;
      const next = new DOMParser().parseFromString(await res.text(), 'text/html');
      const fresh = next.getElementById('status');
      const current = document.getElementById('status');
      if (!fresh || !current) return;
      current.replaceWith(document.adoptNode(fresh));
      document.title = next.title;
    } catch {
      // the daemon is restarting or gone: keep what is shown, try again later
    }
  }
  setInterval(refresh, seconds * 1000);
})();
`;
