import type { ZohoModule } from '../modules/zoho-module.js';

/** The webhook endpoint of a module: `POST /api/v1/events/zoho/<name>`. The 404 body and `mzi zoho-setup` list them. */
export function webhookPath(module: Pick<ZohoModule, 'name'>): string {
  return `/api/v1/events/zoho/${module.name}`;
}
