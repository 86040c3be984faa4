import { AppError } from '../../../errors.js';
import { findModule } from '../../../modules/index.js';
import type { ZohoModule } from '../../../modules/zoho-module.js';

/** What the Setup page's test delivery form asks mzi to send to itself. */
export interface TestDeliveryRequest {
  module: ZohoModule;
  operation: 'insert' | 'update' | 'delete';
  /** The module's test delivery fields that were filled in, trimmed. */
  fields: Record<string, string>;
  /** The Zoho record id typed in, if it is one; otherwise the delivery gets a new one. */
  recordId: string | undefined;
}

const OPERATIONS = ['insert', 'update', 'delete'] as const;

/**
 * Reads the posted form leniently, as a page does not validate what it sends: an unknown operation is an insert,
 * an ill-formed record id is none, and only the module's own test fields are kept, each at most 500 characters.
 */
export function readTestDeliveryForm(
  body: Record<string, unknown>,
  modules: readonly ZohoModule[],
): TestDeliveryRequest {
  // A form without a module (posted by hand or from an older page) is the first module's.
  const module = typeof body.module === 'string' ? findModule(body.module, modules) : modules[0];
  if (!module)
    throw new AppError('unknown_module', 'The test delivery names no module mzi serves.', {
      status: 400,
    });
  const fields: Record<string, string> = {};
  for (const { apiName: name } of module.testDelivery.fields) {
    const value = body[name];
    if (typeof value === 'string' && value.trim() !== '') fields[name] = value.trim().slice(0, 500);
  }
  const operation = OPERATIONS.find((op) => op === String(body.operation)) ?? 'insert';
  const recordId =
    typeof body.record_id === 'string' && /^\d{1,30}$/.test(body.record_id.trim())
      ? body.record_id.trim()
      : undefined;
  return { module, operation, fields, recordId };
}
