// The dashboard's only stylesheet and script, served by mzi itself (no CDN: it works with no internet).

export const DASHBOARD_CSS = `
:root { --fg:#1d2430; --muted:#5b6472; --bg:#f6f7f9; --card:#fff; --line:#dde1e6; --accent:#1f5fbf;
  --ok:#1e7a3c; --warn:#9a6200; --bad:#b3261e; --info:#3d5a80; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Arabic", sans-serif; }
* { box-sizing: border-box; }
body { margin:0; color:var(--fg); background:var(--bg); font-size:15px; line-height:1.45; }
a { color:var(--accent); }
:focus-visible { outline:3px solid #ffbf47; outline-offset:2px; }
header.top { background:#14213d; color:#fff; padding:.6rem 1rem; display:flex; flex-wrap:wrap; gap:.4rem 1.2rem; align-items:center; }
header.top .brand { font-weight:700; letter-spacing:.02em; margin-inline-end:1rem; color:#fff; text-decoration:none; }
header.top nav { display:flex; flex-wrap:wrap; gap:.2rem .9rem; flex:1; }
header.top nav a { color:#dfe7ff; text-decoration:none; padding:.2rem .1rem; }
header.top nav a[aria-current="page"] { color:#fff; border-bottom:2px solid #ffbf47; }
header.top form { margin:0; }
main { padding:1rem; max-width:1200px; margin:0 auto; }
h1 { font-size:1.4rem; margin:.3rem 0 1rem; }
h2 { font-size:1.1rem; margin:1.4rem 0 .6rem; }
.cards { display:grid; grid-template-columns:repeat(auto-fit, minmax(150px, 1fr)); gap:.8rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:.8rem 1rem; }
.card .n { font-size:1.6rem; font-weight:700; }
.card .l { color:var(--muted); font-size:.85rem; }
.panel { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:1rem; margin-bottom:1rem; overflow-x:auto; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:start; padding:.45rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:.8rem; color:var(--muted); font-weight:600; white-space:nowrap; }
td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:.85rem; }
pre { background:#0f172a; color:#e2e8f0; padding:.8rem; border-radius:6px; overflow:auto; font-size:.82rem; white-space:pre-wrap; word-break:break-word; }
.badge { display:inline-block; padding:.05rem .5rem; border-radius:999px; font-size:.78rem; font-weight:600; border:1px solid currentColor; white-space:nowrap; }
.s-completed { color:var(--ok); } .s-failed { color:var(--bad); } .s-pending { color:var(--warn); }
.s-processing { color:var(--info); } .s-duplicate { color:var(--muted); }
form.filters { display:flex; flex-wrap:wrap; gap:.6rem; align-items:flex-end; }
label { display:flex; flex-direction:column; font-size:.8rem; color:var(--muted); gap:.2rem; }
input, select, button { font:inherit; padding:.35rem .5rem; border:1px solid #b8c0cc; border-radius:6px; background:#fff; color:var(--fg); }
button, .button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; text-decoration:none; display:inline-block; padding:.4rem .8rem; border-radius:6px; }
button.secondary { background:#fff; color:var(--accent); }
button.danger { background:var(--bad); border-color:var(--bad); }
.flash { padding:.6rem .8rem; border-radius:6px; margin-bottom:1rem; background:#e8f1ff; border:1px solid #b9d1ff; }
.flash.error { background:#fdecea; border-color:#f5c2bd; }
.muted { color:var(--muted); }
dl.kv { display:grid; grid-template-columns:minmax(120px, max-content) 1fr; gap:.3rem 1rem; margin:0; }
dl.kv dt { color:var(--muted); } dl.kv dd { margin:0; word-break:break-word; }
.chart svg { width:100%; height:auto; display:block; }
.row-new { animation: flash 2s ease-out; } @keyframes flash { from { background:#fff6cc; } to { background:transparent; } }
.copy { display:flex; gap:.4rem; align-items:flex-start; } .copy code { flex:1; word-break:break-all; background:#eef1f5; padding:.3rem .5rem; border-radius:4px; }
.pager { display:flex; justify-content:space-between; margin-top:.8rem; }
.narrow { max-width:30rem; } .actions { margin-top:1rem; }
.visually-hidden { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); }
@media (max-width: 640px) {
  main { padding:.6rem; } th.opt, td.opt { display:none; } .card .n { font-size:1.3rem; }
}
`;

export const DASHBOARD_JS = `
(function () {
  'use strict';
  document.addEventListener('click', function (e) {
    var button = e.target.closest('[data-copy]');
    if (!button) return;
    var source = document.getElementById(button.getAttribute('data-copy'));
    if (!source) return;
    var text = source.textContent;
    var done = function () { var old = button.textContent; button.textContent = 'Copied'; setTimeout(function () { button.textContent = old; }, 1500); };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, done);
    else { var r = document.createRange(); r.selectNodeContents(source); var s = getSelection(); s.removeAllRanges(); s.addRange(r); document.execCommand('copy'); done(); }
  });

  // Events page: new deliveries appear at the top without a reload.
  var live = document.querySelector('[data-live-events]');
  if (live) {
    var tbody = live.querySelector('tbody');
    var after = Number(live.getAttribute('data-after') || '0');
    var query = live.getAttribute('data-query') || '';
    var status = document.getElementById('live-status');
    var cell = function (row, text, cls) { var td = document.createElement('td'); if (cls) td.className = cls; td.textContent = text == null ? '' : String(text); row.appendChild(td); return td; };
    var poll = function () {
      fetch('/api/v1/events?after=' + after + (query ? '&' + query : ''), { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(function (page) {
          (page.events || []).forEach(function (e) {
            after = Math.max(after, e.id);
            var tr = document.createElement('tr'); tr.className = 'row-new';
            var td = document.createElement('td'); var a = document.createElement('a'); a.href = '/admin/events/' + encodeURIComponent(e.event_id); a.textContent = e.event_id.slice(-8); td.className = 'mono'; td.appendChild(a); tr.appendChild(td);
            var st = document.createElement('td'); var b = document.createElement('span'); b.className = 'badge s-' + e.status; b.textContent = e.status; st.appendChild(b); tr.appendChild(st);
            cell(tr, e.module + '.' + e.event_type); cell(tr, e.record_id, 'mono opt'); var who = cell(tr, e.search_key_1 || e.search_key_2 || '', 'opt'); who.dir = 'auto';
            cell(tr, e.created_at.replace('T', ' ').slice(0, 19), 'mono'); cell(tr, e.error_message || '', 'opt');
            tbody.insertBefore(tr, tbody.firstChild);
          });
          if (status) status.textContent = 'Live: checked ' + new Date().toLocaleTimeString();
        })
        .catch(function () { if (status) status.textContent = 'Live refresh paused (will retry)'; })
        .finally(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 3000);
  }

  // Event page: while the event is still being processed, show its outcome as soon as it is known.
  var watch = document.querySelector('[data-watch-event]');
  if (watch) {
    var id = watch.getAttribute('data-watch-event');
    var initial = watch.getAttribute('data-status');
    var check = function () {
      fetch('/api/v1/events/' + encodeURIComponent(id), { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (d) { if (d.event && d.event.status !== initial) location.reload(); else setTimeout(check, 1500); })
        .catch(function () { setTimeout(check, 3000); });
    };
    setTimeout(check, 1000);
  }
})();
`;
