import { randomInt } from 'node:crypto';
import { AppError } from '../errors.js';
import type { ZohoModule } from '../modules/zoho-module.js';
import { fieldFinder } from './read-record-fields.js';
import { sign } from './sign.js';

export interface DeliveryOptions {
  module: Pick<ZohoModule, 'zohoApiName' | 'fields'>;
  path: string;
  operation: string;
  /** Field API name → value. */
  fields: Record<string, string>;
  recordId?: string | undefined;
  format: 'form' | 'json';
  /** Signs with the secret when given, else sends the token when given. */
  secret: string | undefined;
  token: string | undefined;
}

/**
 * A delivery shaped like Zoho's: form data with `id` and the fields (operation in the URL, as Zoho's fixed
 * parameter), or the original system's custom JSON; authenticated like Zoho or a signing sender would.
 * Used by `mzi send <module>` and the dashboard's test delivery.
 */
export function buildDelivery(options: DeliveryOptions): {
  pathWithQuery: string;
  headers: Record<string, string>;
  body: string;
  recordId: string;
} {
  const recordId = options.recordId || `57257670${String(randomInt(1e9, 1e10))}`;
  const data: Record<string, string> = {};
  const findField = fieldFinder(options.module.fields);
  for (const [name, value] of Object.entries(options.fields)) {
    const field = findField(name);
    if (!field)
      throw new AppError('usage', `"${name}" is not a ${options.module.zohoApiName} field mzi knows.`, {
        status: 400,
      });
    data[field.apiName] = value;
  }
  let body: string;
  let contentType: string;
  let pathWithQuery = options.path;
  if (options.format === 'json') {
    contentType = 'application/json';
    body = JSON.stringify({
      notification_id: `${recordId}_${Date.now()}`,
      timestamp: new Date().toISOString(),
      module: options.module.zohoApiName,
      operation: options.operation,
      record_id: recordId,
      data,
    });
  } else {
    contentType = 'application/x-www-form-urlencoded';
    pathWithQuery = `${options.path}?${new URLSearchParams({ operation: options.operation }).toString()}`;
    body = new URLSearchParams({ id: recordId, ...data }).toString();
  }
  const headers: Record<string, string> = { 'content-type': contentType };
  if (options.secret) Object.assign(headers, sign(body, options.secret));
  else if (options.token) headers['x-webhook-token'] = options.token;
  return { pathWithQuery, headers, body, recordId };
}
