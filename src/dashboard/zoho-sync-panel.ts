import type { MoodlePollStatus } from '../moodle-poll/read-poll-status.js';
import type { ZohoSyncStatus } from '../sync/read-sync-status.js';
import { html, type SafeHtml } from './html.js';

const STATUS_WORDS: Record<ZohoSyncStatus['status'], string> = {
  off: 'off: no Zoho credentials, webhooks only',
  disabled: 'not in the background (ZOHO_SYNC_INTERVAL=0); `mzi sync` still works',
  on: 'on',
  budget_reached: 'waiting: the daily credit budget is reached (live events go on)',
};

/** The overview's Zoho sync section: the state of each module's sync, the budget, and failed webhook deliveries. */
export function zohoSyncPanel(sync: ZohoSyncStatus): SafeHtml {
  const budget = sync.budget;
  const badge =
    sync.status === 'on' ? 's-completed' : sync.status === 'budget_reached' ? 's-failed' : 's-duplicate';
  return html`
<h2>Zoho sync</h2>
<div class="panel"><dl class="kv">
  <dt>Background sync</dt><dd><span class="badge ${badge}">${sync.status}</span> <span class="muted">${STATUS_WORDS[sync.status]}${
    sync.status === 'on' || sync.status === 'budget_reached' ? `, every ${sync.interval_seconds} s` : ''
  }</span></dd>
  <dt>API credits, last 24 h</dt><dd>${budget.spent_24h ?? '—'}${
    budget.daily_credits === null ? ' (no budget set)' : ` of a budget of ${budget.daily_credits}`
  }</dd>
  <dt>Last round</dt><dd>${sync.last_round.at ?? 'never'}${sync.last_round.status ? ` (${sync.last_round.status})` : ''}${
    sync.last_round.message ? html` <span class="muted">${sync.last_round.message}</span>` : ''
  }</dd>
</dl>
<table data-zoho-sync><thead><tr><th>Module</th><th>Last success (UTC)</th><th>Cursor (Modified_Time)</th><th>Appended: new / changed / deleted</th><th>Last error</th></tr></thead><tbody>${sync.modules.map(
    (module) =>
      html`<tr><td>${module.module}${module.running ? html` <span class="badge s-processing">running</span>` : ''}</td><td>${module.last_success_at ?? 'never'}</td><td class="mono">${module.cursor ?? '—'}</td><td>${module.appended.insert} / ${module.appended.update} / ${module.appended.delete}</td><td>${
        module.last_error
          ? html`<span class="s-failed">${module.last_error}</span> <span class="muted">${module.last_error_at ?? ''}</span>`
          : '—'
      }</td></tr>`,
  )}</tbody></table></div>
${sync.moodle_polls.length > 0 ? moodlePollsPanel(sync.moodle_polls) : ''}
<h2>Failed webhook deliveries in Zoho (last 30 days)</h2>
<div class="panel">${
    sync.webhook_failures.count === 0
      ? html`<p class="muted">${sync.status === 'off' ? 'Zoho is not connected: mzi cannot read them.' : 'None reported by Zoho.'}</p>`
      : html`<p>${sync.webhook_failures.count} failed deliveries; the next sync catches up on their records.</p>
<table data-webhook-failures><thead><tr><th>Failed at</th><th>Webhook</th><th>Module</th><th>Record</th><th>Reason</th></tr></thead><tbody>${sync.webhook_failures.recent.map(
          (failure) =>
            html`<tr><td>${failure.failed_at}</td><td>${failure.webhook}</td><td>${failure.module ?? ''}</td><td class="mono">${failure.record_id ?? ''}</td><td>${failure.reason}</td></tr>`,
        )}</tbody></table>`
  }</div>`;
}

const POLL_WORDS: Record<MoodlePollStatus['status'], string> = {
  off: 'off: Moodle or Zoho is not connected',
  disabled: 'not in the background (interval 0); `mzi sync` still works',
  on: 'on',
};

/** Polls of Moodle for the modules read from it (grades): the last poll's counts and problems. */
function moodlePollsPanel(polls: readonly MoodlePollStatus[]): SafeHtml {
  return html`
<h2>Moodle polls</h2>
<div class="panel"><table data-moodle-polls><thead><tr><th>Module</th><th>Status</th><th>Last success (UTC)</th><th>Last poll: appended / removed / already logged</th><th>Skipped</th><th>Problems or last error</th></tr></thead><tbody>${polls.map(
    (poll) =>
      html`<tr><td>${poll.module}${poll.running ? html` <span class="badge s-processing">running</span>` : ''}</td><td>${poll.status} <span class="muted">${POLL_WORDS[poll.status]}${poll.status === 'on' ? `, every ${poll.interval_seconds} s` : ''}</span></td><td>${poll.last_success_at ?? 'never'}</td><td>${
        poll.last_poll
          ? `${poll.last_poll.queued} / ${poll.last_poll.removed} / ${poll.last_poll.unchanged}`
          : '—'
      }</td><td>${
        poll.last_poll
          ? Object.entries(poll.last_poll.skipped)
              .filter(([, n]) => n > 0)
              .map(([reason, n]) => `${reason}: ${n}`)
              .join(', ') || 'none'
          : '—'
      }</td><td>${
        poll.last_error
          ? html`<span class="s-failed">${poll.last_error}</span> <span class="muted">${poll.last_error_at ?? ''}</span>`
          : poll.last_poll && poll.last_poll.problems.length > 0
            ? html`<span class="s-failed">${poll.last_poll.problems.join(' · ')}</span>`
            : '—'
      }</td></tr>`,
  )}</tbody></table></div>`;
}
