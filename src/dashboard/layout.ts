import { MODULES } from '../modules/index.js';
import { modulesWithRecords } from '../modules/modules-with-records.js';
import { html, type SafeHtml } from './html.js';

/** The page's place in the navigation: a core page, or the records page of a module (`records.section`). */
export type Section = 'overview' | 'events' | 'setup' | 'zoho' | 'login' | (string & {});

let nav: Array<[Section, string, string]> | undefined;

/** The navigation: the core pages and every module's records section (built on first use, not on import). */
function navigation(): Array<[Section, string, string]> {
  nav ??= [
    ['overview', 'Overview', '/admin'],
    ['events', 'Events', '/admin/events'],
    ...modulesWithRecords(MODULES).map(({ records }): [Section, string, string] => [
      records.section,
      records.title,
      `/admin/${records.section}`,
    ]),
    ['setup', 'Setup', '/admin/setup'],
    ['zoho', 'Zoho', '/admin/zoho'],
  ];
  return nav;
}

export interface Flash {
  kind: 'info' | 'error';
  text: string;
}

/** The page frame: navigation, flash message, content. */
export function layout(options: {
  title: string;
  section: Section;
  body: SafeHtml;
  flash?: Flash | undefined;
}): string {
  const { title, section, body, flash } = options;
  const signedIn = section !== 'login';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · mzi</title>
<link rel="stylesheet" href="/admin/assets/app.css">
</head>
<body>
<a class="visually-hidden" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/admin">mzi</a>
  ${
    signedIn
      ? html`<nav aria-label="Main">${navigation().map(
          ([key, label, href]) =>
            html`<a href="${href}"${key === section ? html` aria-current="page"` : ''}>${label}</a>`,
        )}<a href="/docs">API docs</a></nav>
  <form method="post" action="/admin/logout"><button class="secondary" type="submit">Log out</button></form>`
      : ''
  }
</header>
<main id="main">
${flash ? html`<div class="flash ${flash.kind === 'error' ? 'error' : ''}" role="status">${flash.text}</div>` : ''}
<h1>${title}</h1>
${body}
</main>
<script src="/admin/assets/app.js" defer></script>
</body>
</html>`.value;
}

export function statusBadge(status: string): SafeHtml {
  return html`<span class="badge s-${status}">${status}</span>`;
}

/** `2026-11-28T10:00:00.000Z` → `2026-11-28 10:00:00` (UTC). */
export function shortTime(iso: string | null | undefined): string {
  return iso ? `${iso.replace('T', ' ').slice(0, 19)}` : '';
}
