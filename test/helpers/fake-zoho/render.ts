import type { IncomingMessage, ServerResponse } from 'node:http';

/** An answer of the fake: HTTP status, JSON body (none for 204/304) and extra headers. */
export interface FakeAnswer {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
}

export function send(res: ServerResponse, answer: FakeAnswer): void {
  const headers: Record<string, string> = { ...answer.headers };
  if (answer.json === undefined) {
    res.writeHead(answer.status, headers).end();
    return;
  }
  const body = JSON.stringify(answer.json);
  headers['content-type'] = 'application/json;charset=UTF-8';
  res.writeHead(answer.status, headers).end(body);
}

/**
 * Zoho CRM's error body, `{"code","details","message","status":"error"}`
 * (https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html; zoho/crm-oas v8.0/record.json API_Exception).
 */
export function crmError(
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
): FakeAnswer {
  return { status, json: { code, details, message, status: 'error' } };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The most records Zoho answers per page (`per_page`, 200 by default and at most). */
const MAX_PER_PAGE = 200;

/** The `per_page` a request asks for, within Zoho's limit. */
export function perPageOf(query: URLSearchParams): number {
  return Math.min(Number(query.get('per_page') ?? MAX_PER_PAGE) || MAX_PER_PAGE, MAX_PER_PAGE);
}

/**
 * One `page` of rows as Zoho's list endpoints answer it: the rows under `key` and `info` with `more_records`;
 * 204 without a body when the page is empty.
 */
export function pageOf(rows: readonly unknown[], query: URLSearchParams, key: string): FakeAnswer {
  const perPage = perPageOf(query);
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const slice = rows.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return { status: 204 };
  return {
    status: 200,
    json: {
      [key]: slice,
      info: { per_page: perPage, count: slice.length, page, more_records: page * perPage < rows.length },
    },
  };
}
