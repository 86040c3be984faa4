import type { StudentRow } from '../db/schema.js';
import type { EventSummary } from '../event-log/event-summary.js';
import { students } from '../modules/index.js';
import { html, shortEventId } from './html.js';
import { layout, shortTime, statusBadge } from './layout.js';

export function studentsPage(options: { q: string; students: StudentRow[] }): string {
  return layout({
    title: 'Students',
    section: 'students',
    body: html`
<form class="filters panel" method="get" action="/admin/students" role="search">
  <label>Name, email, Student ID or Zoho record id<input name="q" value="${options.q}" size="36" autofocus></label>
  <button type="submit">Search</button>
</form>
<div class="panel">
${
  options.students.length === 0
    ? html`<p class="muted">No student matches.</p>`
    : html`<table><thead><tr><th>Name</th><th>Academic email</th><th class="opt">Student ID</th><th class="opt">Status</th><th>Moodle user</th><th class="opt">Updated (UTC)</th></tr></thead><tbody>${options.students.map(
        (s) => html`<tr>
<td dir="auto"><a href="/admin/students/${s.zoho_record_id}"><bdi>${s.name ?? '(no name)'}</bdi></a>${s.deleted_at ? html` <span class="badge s-duplicate">deleted</span>` : ''}</td>
<td dir="auto">${s.academic_email ?? ''}</td><td class="mono opt">${s.student_id_number ?? ''}</td>
<td class="opt">${s.student_status ?? ''}</td><td class="mono">${s.moodle_user_id ?? '—'}</td><td class="mono opt">${shortTime(s.updated_at)}</td></tr>`,
      )}</tbody></table>`
}
</div>`,
  });
}

export function studentDetailPage(options: {
  student: StudentRow;
  events: EventSummary[];
  moodle: Record<string, unknown> | undefined;
}): string {
  const { student } = options;
  return layout({
    title: student.name ?? `Zoho record ${student.zoho_record_id}`,
    section: 'students',
    body: html`
<div class="panel"><dl class="kv">
  <dt>Zoho record</dt><dd class="mono">${student.zoho_record_id}</dd>
  ${students.fields.map((field) => html`<dt>${field.label}</dt><dd dir="auto"><bdi>${student[field.column] ?? ''}</bdi></dd>`)}
  <dt>Deleted</dt><dd>${student.deleted_at ? `yes, ${shortTime(student.deleted_at)} UTC` : 'no'}</dd>
  <dt>Last change</dt><dd class="mono">${shortTime(student.updated_at)} UTC</dd>
</dl></div>
<h2>Moodle</h2>
<div class="panel"><dl class="kv">
  <dt>Moodle user id</dt><dd class="mono">${student.moodle_user_id ?? '—'}</dd>
  <dt>Owned as</dt><dd>${student.moodle_ownership ?? (student.moodle_user_id ? 'not verified yet' : '—')}</dd>
  <dt>Last action</dt><dd>${options.moodle ? html`<span class="mono">${JSON.stringify(options.moodle)}</span>` : html`<span class="muted">none recorded</span>`}</dd>
</dl></div>
<h2>Event history</h2>
<div class="panel"><table><thead><tr><th>Event</th><th>Status</th><th>Operation</th><th>Received (UTC)</th><th class="opt">Error</th></tr></thead><tbody>${options.events.map(
      (
        e,
      ) => html`<tr><td class="mono"><a href="/admin/events/${e.event_id}">${shortEventId(e.event_id)}</a></td><td>${statusBadge(e.status)}</td>
<td>${e.event_type}</td><td class="mono">${shortTime(e.created_at)}</td><td class="opt">${e.error_message ?? ''}</td></tr>`,
    )}</tbody></table></div>`,
  });
}
