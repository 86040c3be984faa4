import type { EventRow } from '../db/schema.js';
import type { EventFilter } from '../event-log/apply-event-filter.js';
import type { EventSummary } from '../event-log/event-summary.js';
import type { EventDetail } from '../event-log/get-event-detail.js';
import { findModuleByApiName } from '../modules/index.js';
import { html, type SafeHtml, shortEventId } from './html.js';
import { type Flash, layout, shortTime, statusBadge } from './layout.js';

const STATUSES = ['', 'pending', 'processing', 'completed', 'failed', 'duplicate'];
const OPERATIONS = ['', 'insert', 'update', 'delete', 'invalid'];

/** The filter as query-string parameters (for links, the live refresh and the bulk retry). */
export function filterQuery(filter: EventFilter): string {
  const params = new URLSearchParams();
  const entries: Array<[string, string | undefined]> = [
    ['status', filter.status],
    ['module', filter.module],
    ['operation', filter.operation],
    ['record_id', filter.recordId],
    ['delivery_id', filter.deliveryId],
    ['student', filter.student],
    ['from', filter.from],
    ['to', filter.to],
  ];
  for (const [key, value] of entries) if (value) params.set(key, value);
  return params.toString();
}

export function eventsPage(options: {
  filter: EventFilter;
  events: EventSummary[];
  nextCursor: number | undefined;
  modules: string[];
  /** First page: new deliveries are added at the top as they arrive. */
  live: boolean;
  flash?: Flash | undefined;
}): string {
  const { filter, events } = options;
  const query = filterQuery(filter);
  const newest = events[0]?.id ?? 0;
  const select = (name: string, values: string[], current: string | undefined, label: string) =>
    html`<label>${label}<select name="${name}">${values.map(
      (v) =>
        html`<option value="${v}"${v === (current ?? '') ? html` selected` : ''}>${v === '' ? 'any' : v}</option>`,
    )}</select></label>`;
  return layout({
    title: 'Events',
    section: 'events',
    flash: options.flash,
    body: html`
<form class="filters panel" method="get" action="/admin/events" role="search">
  ${select('status', STATUSES, filter.status, 'Status')}
  ${select('module', ['', ...options.modules], filter.module, 'Module')}
  ${select('operation', OPERATIONS, filter.operation, 'Operation')}
  <label>From (UTC)<input type="datetime-local" name="from" value="${filter.from?.slice(0, 16) ?? ''}"></label>
  <label>To (UTC)<input type="datetime-local" name="to" value="${filter.to?.slice(0, 16) ?? ''}"></label>
  <label>Zoho record id<input name="record_id" value="${filter.recordId ?? ''}" size="20" inputmode="numeric"></label>
  <label>Email or ID<input name="student" value="${filter.student ?? ''}" size="24"></label>
  <label>Delivery id<input name="delivery_id" value="${filter.deliveryId ?? ''}" size="24"></label>
  <button type="submit">Filter</button>
  <a href="/admin/events">Clear</a>
</form>
${
  filter.status === 'failed'
    ? html`<p><a class="button" href="/admin/events/retry?${query}">Retry the failed events matching this filter…</a></p>`
    : ''
}
<div class="panel">
<p class="muted" aria-live="polite" id="live-status">${!options.nextCursor && events.length === 0 ? 'No events match.' : 'Newest first.'}</p>
<table${options.live ? html` data-live-events data-after="${String(newest)}" data-query="${query}"` : ''}>
<thead><tr><th>Event</th><th>Status</th><th>Operation</th><th class="opt">Record</th><th class="opt">Email or ID</th><th>Received (UTC)</th><th class="opt">Error</th></tr></thead>
<tbody>${events.map(eventRow)}</tbody>
</table>
<div class="pager">
  <span></span>
  ${options.nextCursor ? html`<a href="/admin/events?${query}${query ? '&' : ''}before=${String(options.nextCursor)}" rel="next">Older events →</a>` : ''}
</div>
</div>`,
  });
}

function eventRow(e: EventSummary): SafeHtml {
  return html`<tr>
<td class="mono"><a href="/admin/events/${e.event_id}">${shortEventId(e.event_id)}</a></td>
<td>${statusBadge(e.status)}</td>
<td>${e.module}.${e.event_type}</td>
<td class="mono opt"><a href="/admin/events?record_id=${e.record_id}">${e.record_id}</a></td>
<td class="opt" dir="auto">${e.search_key_1 ?? e.search_key_2 ?? ''}</td>
<td class="mono">${shortTime(e.created_at)}</td>
<td class="opt">${e.error_message ?? ''}</td>
</tr>`;
}

export function retryConfirmPage(options: { filter: EventFilter; count: number }): string {
  const query = filterQuery({ ...options.filter, status: 'failed' });
  return layout({
    title: 'Retry failed events',
    section: 'events',
    body: html`<div class="panel">
<p><strong>${String(options.count)}</strong> failed event(s) match this filter. Each will get one more attempt.</p>
<form method="post" action="/admin/events/retry?${query}">
  <input type="hidden" name="expected" value="${String(options.count)}">
  <button type="submit"${options.count === 0 ? html` disabled` : ''}>Retry ${String(options.count)} event(s)</button>
  <a href="/admin/events?${query}">Cancel</a>
</form></div>`,
  });
}

function json(text: string | null): string {
  if (text === null || text === '') return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function eventDetailPage(detail: EventDetail, flash?: Flash): string {
  const e: EventRow = detail.event;
  const warnings = (() => {
    try {
      return e.warnings ? (JSON.parse(e.warnings) as string[]) : [];
    } catch {
      return [];
    }
  })();
  const retryable = (e.status === 'failed' || e.status === 'completed') && e.event_type !== 'invalid';
  const unfinished = e.status === 'pending' || e.status === 'processing';
  return layout({
    title: `Event ${e.event_id}`,
    section: 'events',
    flash,
    body: html`
<div class="panel"${unfinished ? html` data-watch-event="${e.event_id}" data-status="${e.status}"` : ''}>
<dl class="kv">
  <dt>Status</dt><dd>${statusBadge(e.status)} ${unfinished ? html`<span class="muted">(this page updates when it changes)</span>` : ''}</dd>
  <dt>Operation</dt><dd>${e.module}.${e.event_type}</dd>
  <dt>Zoho record</dt><dd class="mono"><a href="/admin/events?record_id=${e.record_id}">${e.record_id}</a>${recordLink(e)}</dd>
  ${deliveryFact(e)}
  <dt>Received</dt><dd class="mono">${shortTime(e.created_at)} UTC</dd>
  <dt>Processed</dt><dd class="mono">${e.processed_at ? `${shortTime(e.processed_at)} UTC` : '—'}</dd>
  <dt>Attempts</dt><dd>${String(e.attempts)} of ${String(e.max_attempts)}${e.status === 'pending' && e.attempts > 0 ? html` · next at <span class="mono">${shortTime(e.next_attempt_at)}</span>` : ''}</dd>
  ${e.error_message ? html`<dt>Error</dt><dd class="s-failed">${e.error_message}</dd>` : ''}
</dl>
${retryable ? html`<form method="post" action="/admin/events/${e.event_id}/retry" class="actions"><button type="submit">Retry this event</button></form>` : ''}
</div>
${warnings.length > 0 ? html`<h2>Warnings</h2><div class="panel"><ul>${warnings.map((w) => html`<li>${w}</li>`)}</ul></div>` : ''}
<h2>Request</h2>
<div class="panel">
<p class="mono">${e.request_method ?? 'POST'} ${e.request_url ?? ''}</p>
<dl class="kv"><dt>Authentication</dt><dd>${e.auth_method ?? 'unknown'}</dd><dt>Content type</dt><dd class="mono">${e.content_type ?? ''}</dd></dl>
<h3>Headers (secrets redacted)</h3><pre>${json(e.headers)}</pre>
<h3>Raw body</h3><pre dir="auto">${e.raw_body ?? ''}</pre>
<h3>Normalized payload</h3><pre dir="auto">${json(e.payload)}</pre>
</div>
<h2>Response</h2>
<div class="panel"><p>HTTP ${String(e.response_status ?? '')} · stored ${e.stored_ms === null ? '' : `${e.stored_ms} ms`} after the request arrived</p><pre>${json(e.response_body)}</pre></div>
<h2>Processing attempts</h2>
<div class="panel">${
      detail.attempts.length === 0
        ? html`<p class="muted">No attempt yet.</p>`
        : html`<table><thead><tr><th>#</th><th>Outcome</th><th>Started (UTC)</th><th>Took</th><th>Error</th></tr></thead><tbody>${detail.attempts.map(
            (
              a,
            ) => html`<tr><td>${String(a.attempt)}</td><td>${statusBadge(a.outcome === 'retry' ? 'pending' : a.outcome)}${a.outcome === 'retry' ? ' (retry)' : ''}</td>
<td class="mono">${shortTime(a.started_at)}</td><td>${String(Date.parse(a.finished_at) - Date.parse(a.started_at))} ms</td>
<td>${a.error_code ? html`<span class="mono">${a.error_code}</span> ` : ''}${a.error_message ?? ''}</td></tr>`,
          )}</tbody></table>`
    }</div>
${fetchedSection(e)}
<h2>What was done</h2>
<div class="panel"><pre>${json(e.result) || 'Nothing yet.'}</pre></div>
${writeBackSection(detail.zoho_write_back)}
<h2>Duplicates</h2>
<div class="panel">${
      detail.original
        ? html`<p>This delivery repeated <a href="/admin/events/${detail.original.event_id}">${detail.original.event_id}</a> (${detail.original.status}) and was not processed again.</p>`
        : ''
    }${
      detail.duplicates.length > 0
        ? html`<p>${String(detail.duplicates.length)} re-deliver${detail.duplicates.length === 1 ? 'y' : 'ies'} of this event:</p><ul>${detail.duplicates.map(
            (d) =>
              html`<li><a href="/admin/events/${d.event_id}" class="mono">${d.event_id}</a> at ${shortTime(d.created_at)}</li>`,
          )}</ul>`
        : detail.original
          ? ''
          : html`<p class="muted">No re-delivery of this event.</p>`
    }</div>`,
  });
}

/** The record as the worker read it from Zoho (ZOHO_FETCH_RECORDS), beside the webhook's data above. */
function fetchedSection(e: Pick<EventRow, 'fetched' | 'fetched_at'>): SafeHtml | string {
  if (e.fetched === null) return '';
  return html`<h2>Fetched from Zoho</h2>
<div class="panel"><p class="muted">The record as Zoho held it at <span class="mono">${e.fetched_at ? shortTime(e.fetched_at) : ''} UTC</span>: processing used this, not the webhook's data.</p><pre dir="auto">${json(e.fetched)}</pre></div>`;
}

/** The event status whose colour each write-back status borrows. */
const WRITE_BACK_BADGE = {
  pending: 'pending',
  written: 'completed',
  unchanged: 'completed',
  failed: 'failed',
  superseded: 'duplicate',
} as const;

/** How the Moodle ids this event's completion queued went into Zoho. */
function writeBackSection(writeBack: EventDetail['zoho_write_back']): SafeHtml | string {
  if (!writeBack) return '';
  const fields = Object.entries(writeBack.fields).map(([field, value]) => `${field} = ${value ?? '(empty)'}`);
  return html`<h2>Moodle ids in Zoho</h2>
<div class="panel"><dl class="kv">
  <dt>Write-back</dt><dd><span class="badge s-${WRITE_BACK_BADGE[writeBack.status]}">${writeBack.status}</span></dd>
  <dt>Fields</dt><dd class="mono">${fields.join(', ')}</dd>
  ${writeBack.attempts > 0 ? html`<dt>Attempts</dt><dd>${String(writeBack.attempts)}${writeBack.next_attempt_at ? html` · next at <span class="mono">${shortTime(writeBack.next_attempt_at)}</span>` : ''}</dd>` : ''}
  ${writeBack.written_at ? html`<dt>Written</dt><dd class="mono">${shortTime(writeBack.written_at)} UTC</dd>` : ''}
  ${writeBack.error_message ? html`<dt>Error</dt><dd class="s-failed">${writeBack.error_code ? html`<span class="mono">${writeBack.error_code}</span> ` : ''}${writeBack.error_message}</dd>` : ''}
</dl></div>`;
}

/**
 * The delivery the event came from, linked to its other events (the rest of its envelope, or its repeats), and
 * the record's place in its envelope.
 */
function deliveryFact(e: Pick<EventRow, 'delivery_id' | 'payload'>): SafeHtml | string {
  if (e.delivery_id === null) return '';
  const envelope = envelopePosition(e.payload);
  return html`<dt>Delivery</dt><dd><a class="mono" href="/admin/events?delivery_id=${encodeURIComponent(e.delivery_id)}">${e.delivery_id}</a>${
    envelope ? ` · record ${String(envelope.index + 1)} of ${String(envelope.records)} in its envelope` : ''
  }</dd>`;
}

function envelopePosition(payload: string): { index: number; records: number } | undefined {
  try {
    const { envelope } = JSON.parse(payload) as { envelope?: { index: number; records: number } };
    return typeof envelope?.index === 'number' && typeof envelope.records === 'number' ? envelope : undefined;
  } catch {
    return undefined;
  }
}

/** A link to the event's record in its module's records section, when the module keeps records. */
function recordLink(e: Pick<EventRow, 'module' | 'record_id'>): SafeHtml | string {
  const module = findModuleByApiName(e.module);
  if (!module?.records) return '';
  return html` · <a href="/admin/${module.records.section}/${e.record_id}">${module.name}</a>`;
}
