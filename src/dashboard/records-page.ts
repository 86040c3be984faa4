import type { EventSummary } from '../event-log/event-summary.js';
import type { ModuleWithRecords } from '../modules/modules-with-records.js';
import type {
  FactGroup,
  MirrorRow,
  RecordColumn,
  RecordDetail,
  RelatedSection,
  ShownValue,
} from '../modules/zoho-module.js';
import { html, type SafeHtml, shortEventId } from './html.js';
import { layout, shortTime, statusBadge } from './layout.js';

/** `/admin/<section>`: a module's records, searched, with the columns the module declares. */
export function recordsPage(options: {
  of: ModuleWithRecords;
  q: string;
  rows: readonly MirrorRow[];
}): string {
  const { module, records } = options.of;
  const headers = records.columns.map(
    (column) => html`<th${column.opt ? html` class="opt"` : ''}>${column.header}</th>`,
  );
  return layout({
    title: records.title,
    section: records.section,
    body: html`
<form class="filters panel" method="get" action="/admin/${records.section}" role="search">
  <label>${records.searchHelp}<input name="q" value="${options.q}" size="36" autofocus></label>
  <button type="submit">Search</button>
</form>
<div class="panel">
${
  options.rows.length === 0
    ? html`<p class="muted">No ${module.name} matches.</p>`
    : html`<table><thead><tr>${headers}<th class="opt">Updated (UTC)</th></tr></thead><tbody>${options.rows.map(
        (row) =>
          html`<tr>${records.columns.map((column) => listCell(records.section, column, row))}<td class="mono opt">${shortTime(row.updated_at)}</td></tr>`,
      )}</tbody></table>`
}
</div>`,
  });
}

/** A cell of the list: text in any script is isolated (`dir="auto"`); the record's name links to its page. */
function listCell(section: string, column: RecordColumn<MirrorRow>, row: MirrorRow): SafeHtml {
  const text = shown(column.value(row), column.empty);
  const classes = [column.mono ? 'mono' : '', column.opt ? 'opt' : ''].filter(Boolean).join(' ');
  const attributes = html`${classes ? html` class="${classes}"` : ''}${column.mono ? '' : html` dir="auto"`}`;
  if (!column.link) return html`<td${attributes}>${text}</td>`;
  const deleted = row.deleted_at ? html` <span class="badge s-duplicate">deleted</span>` : '';
  return html`<td${attributes}><a href="/admin/${section}/${row.zoho_record_id}"><bdi>${text}</bdi></a>${deleted}</td>`;
}

/** `/admin/<section>/<id>`: one record, its facts, the records related to it, and its events. */
export function recordPage(options: {
  of: ModuleWithRecords;
  row: MirrorRow;
  title: string;
  detail: RecordDetail;
  events: EventSummary[];
  lastResult: string | undefined;
}): string {
  const { row, detail } = options;
  const [own, ...groups] = detail.facts;
  return layout({
    title: options.title,
    section: options.of.records.section,
    body: html`
<div class="panel"><dl class="kv">
  <dt>Zoho record</dt><dd class="mono">${row.zoho_record_id}</dd>
  ${own ? facts(own) : ''}
  <dt>Deleted</dt><dd>${row.deleted_at ? `yes, ${shortTime(row.deleted_at)} UTC` : 'no'}</dd>
  <dt>Last change</dt><dd class="mono">${shortTime(row.updated_at)} UTC</dd>
  <dt>Last result</dt><dd>${options.lastResult ? html`<span class="mono">${options.lastResult}</span>` : html`<span class="muted">none recorded</span>`}</dd>
</dl></div>
${groups.map((group) => html`<h2>${group.title ?? ''}</h2><div class="panel"><dl class="kv">${facts(group)}</dl></div>`)}
${detail.related.map(relatedList)}
<h2>Event history</h2>
<div class="panel"><table><thead><tr><th>Event</th><th>Status</th><th>Operation</th><th>Received (UTC)</th><th class="opt">Error</th></tr></thead><tbody>${options.events.map(
      (
        e,
      ) => html`<tr><td class="mono"><a href="/admin/events/${e.event_id}">${shortEventId(e.event_id)}</a></td><td>${statusBadge(e.status)}</td>
<td>${e.event_type}</td><td class="mono">${shortTime(e.created_at)}</td><td class="opt">${e.error_message ?? ''}</td></tr>`,
    )}</tbody></table></div>`,
  });
}

function facts(group: FactGroup): SafeHtml[] {
  return group.facts.map(
    (fact) =>
      html`<dt>${fact.label}</dt><dd${fact.mono ? html` class="mono"` : html` dir="auto"`}><bdi>${shown(fact.value)}</bdi></dd>`,
  );
}

/** A list of related records, each linked to its page when it has one. */
function relatedList(section: RelatedSection): SafeHtml {
  return html`<h2>${section.title}</h2>
<div class="panel">${
    section.rows.length === 0
      ? html`<p class="muted">None.</p>`
      : html`<table><thead><tr>${section.columns.map((header) => html`<th>${header}</th>`)}</tr></thead><tbody>${section.rows.map(
          (row) =>
            html`<tr>${row.cells.map((cell, i) =>
              i === 0 && row.link
                ? html`<td dir="auto"><a href="/admin/${row.link.section}/${row.link.recordId}"><bdi>${shown(cell)}</bdi></a></td>`
                : html`<td dir="auto">${shown(cell)}</td>`,
            )}</tr>`,
        )}</tbody></table>`
  }</div>`;
}

function shown(value: ShownValue, empty = ''): string {
  return value === null || value === undefined || value === '' ? empty : String(value);
}
