import type { EventStats } from '../event-log/get-event-stats.js';
import type { ZohoSyncStatus } from '../sync/read-sync-status.js';
import { html, trusted } from './html.js';
import { layout } from './layout.js';
import { zohoSyncPanel } from './zoho-sync-panel.js';

export interface OverviewData {
  stats: EventStats;
  queue: { pending: number; processing: number; oldest_pending_at: string | null };
  perMinute: Array<{ minute: string; n: number }>;
  hours: number;
  now: Date;
  worker: Record<string, unknown>;
  moodle: { status: string; detail: string | null; checked_at: string | null };
  authMode: string;
  webhookUrls: string[];
  database: string;
  /** The Zoho sync, when the service reads it. */
  zohoSync?: ZohoSyncStatus | undefined;
}

export function overviewPage(data: OverviewData): string {
  const { stats, queue } = data;
  const s = stats.by_status;
  const done = (s.completed ?? 0) + (s.failed ?? 0);
  const failureRate = done === 0 ? 0 : ((s.failed ?? 0) / done) * 100;
  const oldestAge = queue.oldest_pending_at
    ? Math.round((data.now.getTime() - Date.parse(queue.oldest_pending_at)) / 1000)
    : undefined;
  const cards: Array<[string, string | number, string]> = [
    ['Total events', stats.total_events, ''],
    ['Completed', s.completed ?? 0, 's-completed'],
    ['Failed', s.failed ?? 0, 's-failed'],
    ['Pending', s.pending ?? 0, 's-pending'],
    ['Processing', s.processing ?? 0, 's-processing'],
    ['Duplicates', s.duplicate ?? 0, 's-duplicate'],
    ['Failure rate', `${failureRate.toFixed(1)} %`, ''],
    ['Oldest pending', oldestAge === undefined ? '—' : `${oldestAge} s`, ''],
  ];
  return layout({
    title: 'Overview',
    section: 'overview',
    body: html`
<div class="cards">${cards.map(
      ([label, value, cls]) =>
        html`<div class="card"><div class="n ${cls}">${value}</div><div class="l">${label}</div></div>`,
    )}</div>
<h2>Deliveries per minute, last ${data.hours} hours (UTC)</h2>
<div class="panel chart">${trusted(chartSvg(data.perMinute, data.hours, data.now))}</div>
<h2>Service</h2>
<div class="panel"><dl class="kv">
  <dt>Worker</dt><dd>${String(data.worker.status ?? 'unknown')}${
    data.worker.processed !== undefined
      ? html` <span class="muted">(${String(data.worker.processed)} processed since start)</span>`
      : ''
  }</dd>
  <dt>Moodle</dt><dd><span class="badge ${data.moodle.status === 'ok' ? 's-completed' : data.moodle.status === 'disabled' ? 's-duplicate' : 's-failed'}">${data.moodle.status}</span>
    ${data.moodle.detail ? html` <span class="muted">${data.moodle.detail}</span>` : ''}</dd>
  <dt>Webhook authentication</dt><dd>${data.authMode === 'disabled' ? html`<strong class="s-failed">off</strong> (set ZOHO_WEBHOOK_TOKEN)` : data.authMode}</dd>
  <dt>Database</dt><dd class="mono">${data.database}</dd>
  <dt>Webhook URLs for Zoho</dt><dd>${data.webhookUrls.map((url) => html`<div class="mono">${url}</div>`)}
    <a href="/admin/setup">How to configure Zoho</a></dd>
</dl></div>${data.zohoSync ? zohoSyncPanel(data.zohoSync) : ''}`,
  });
}

/** Bars per minute as inline SVG (no script, no external library), with a text summary for screen readers. */
function chartSvg(series: Array<{ minute: string; n: number }>, hours: number, now: Date): string {
  const minutes = hours * 60;
  const end = Math.floor(now.getTime() / 60_000);
  const counts = new Map(series.map((point) => [point.minute, point.n]));
  const values: number[] = [];
  for (let i = minutes - 1; i >= 0; i -= 1) {
    const key = new Date((end - i) * 60_000).toISOString().slice(0, 16);
    values.push(counts.get(key) ?? 0);
  }
  const max = Math.max(1, ...values);
  const total = values.reduce((a, b) => a + b, 0);
  const width = 900;
  const height = 180;
  const plot = height - 24;
  const barWidth = width / minutes;
  const bars = values
    .map((v, i) => {
      if (v === 0) return '';
      const h = Math.max(1, (v / max) * (plot - 8));
      return `<rect x="${(i * barWidth).toFixed(2)}" y="${(plot - h).toFixed(2)}" width="${Math.max(barWidth - 0.5, 0.5).toFixed(2)}" height="${h.toFixed(2)}" fill="#1f5fbf"><title>${v}</title></rect>`;
    })
    .join('');
  const ticks: string[] = [];
  for (let h = 0; h <= hours; h += 1) {
    const x = Math.min(width - 1, h * 60 * barWidth);
    const label = new Date((end - minutes + 1 + h * 60) * 60_000).toISOString().slice(11, 16);
    ticks.push(
      `<line x1="${x}" y1="${plot}" x2="${x}" y2="${plot + 4}" stroke="#5b6472"/><text x="${x}" y="${height - 4}" font-size="11" fill="#5b6472" text-anchor="${h === 0 ? 'start' : h === hours ? 'end' : 'middle'}">${label}</text>`,
    );
  }
  const summary = `Deliveries per minute over the last ${hours} hours: ${total} in all, at most ${max === 1 && total === 0 ? 0 : max} in one minute.`;
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${summary}" preserveAspectRatio="none">
<line x1="0" y1="${plot}" x2="${width}" y2="${plot}" stroke="#b8c0cc"/>${bars}${ticks.join('')}
<text x="4" y="12" font-size="11" fill="#5b6472">max ${total === 0 ? 0 : max}/min</text></svg><p class="muted">${summary}</p>`;
}
