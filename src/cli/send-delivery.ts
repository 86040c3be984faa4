import { AppError } from '../errors.js';
import type { ZohoModule } from '../modules/zoho-module.js';
import { buildDelivery } from '../webhooks/build-delivery.js';

export interface SendDeliveryOptions {
  module: Pick<ZohoModule, 'zohoApiName' | 'fields'>;
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

/** `mzi send <module>`: posts a Zoho-shaped delivery to a running mzi and returns its answer. */
export async function sendDelivery(options: SendDeliveryOptions): Promise<{ status: number; body: string }> {
  const fields: Record<string, string> = {};
  for (const pair of options.fields) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new AppError('usage', `--field takes Name=value, got "${pair}".`, { status: 400 });
    fields[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const delivery = buildDelivery({
    module: options.module,
    path: options.path,
    operation: options.operation,
    fields,
    recordId: options.recordId,
    format: options.format,
    secret: options.secret,
    token: options.token,
  });
  const url = new URL(delivery.pathWithQuery, options.baseUrl);
  const response = await (options.fetchImpl ?? fetch)(url, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
  }).catch((error: unknown) => {
    throw new AppError(
      'send_failed',
      `Could not reach mzi at ${url.origin}: ${(error as Error).cause ?? error}. Is \`npm start\` running?`,
      { cause: error },
    );
  });
  return { status: response.status, body: await response.text() };
}
