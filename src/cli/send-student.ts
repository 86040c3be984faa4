import { randomInt } from 'node:crypto';
import { AppError } from '../errors.js';
import { findStudentField } from '../students/student-fields.js';
import { sign } from '../webhooks/sign.js';

export interface SendStudentOptions {
  baseUrl: string;
  path: string;
  operation: string;
  /** `Name=value` pairs. */
  fields: string[];
  recordId: string | undefined;
  format: 'form' | 'json';
  secret: string | undefined;
  token: string | undefined;
  fetchImpl?: typeof fetch;
}

/**
 * Posts a delivery shaped like Zoho's: form data with `id` and the fields (operation in the URL, as Zoho's fixed
 * parameter), or the original system's custom JSON. Signed with the first secret, else sent with the first token.
 */
export async function sendStudent(options: SendStudentOptions): Promise<{ status: number; body: string }> {
  const recordId = options.recordId ?? `57257670${String(randomInt(1e9, 1e10))}`;
  const data: Record<string, string> = {};
  for (const pair of options.fields) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new AppError('usage', `--field takes Name=value, got "${pair}".`, { status: 400 });
    const name = pair.slice(0, at);
    const field = findStudentField(name);
    if (!field)
      throw new AppError('usage', `"${name}" is not a BTEC_Students field mzi knows.`, { status: 400 });
    data[field.apiName] = pair.slice(at + 1);
  }

  let body: string;
  let contentType: string;
  const url = new URL(options.path, options.baseUrl);
  if (options.format === 'json') {
    contentType = 'application/json';
    body = JSON.stringify({
      notification_id: `${recordId}_${Date.now()}`,
      timestamp: new Date().toISOString(),
      module: 'BTEC_Students',
      operation: options.operation,
      record_id: recordId,
      data,
    });
  } else {
    contentType = 'application/x-www-form-urlencoded';
    url.searchParams.set('operation', options.operation);
    body = new URLSearchParams({ id: recordId, ...data }).toString();
  }

  const headers: Record<string, string> = { 'content-type': contentType };
  if (options.secret) Object.assign(headers, sign(body, options.secret));
  else if (options.token) headers['x-webhook-token'] = options.token;

  const response = await (options.fetchImpl ?? fetch)(url, { method: 'POST', headers, body }).catch(
    (error: unknown) => {
      throw new AppError(
        'send_failed',
        `Could not reach mzi at ${url.origin}: ${(error as Error).cause ?? error}. Is \`npm start\` running?`,
        {
          cause: error,
        },
      );
    },
  );
  return { status: response.status, body: await response.text() };
}
