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
