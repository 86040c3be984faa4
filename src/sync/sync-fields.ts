import type { ZohoModule } from '../modules/zoho-module.js';

/** Zoho lists at most this many fields per request (`fields` is required). */
export const MAX_LISTED_FIELDS = 50;

/** The fields sync asks Zoho for: the module's own, always with Modified_Time (what sync compares), at most 50. */
export function syncFields(module: Pick<ZohoModule, 'fields'>): string[] {
  const names = module.fields.map((field) => field.apiName).filter((name) => name !== 'Modified_Time');
  return [...names.slice(0, MAX_LISTED_FIELDS - 1), 'Modified_Time'];
}
