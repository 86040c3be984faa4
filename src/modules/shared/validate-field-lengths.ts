import { ProcessingError } from '../../event-log/processing-error.js';
import type { ModuleField, RecordData } from '../zoho-module.js';

/** Fails a delivery whose field is longer than the local mirror keeps, naming the field and the limit. */
export function validateFieldLengths(
  fields: readonly Pick<ModuleField, 'apiName' | 'maxLength'>[],
  recordId: string,
  data: RecordData,
): void {
  for (const field of fields) {
    const value = data[field.apiName];
    if (typeof value === 'string' && value.length > field.maxLength) {
      throw new ProcessingError(
        'validation.field_too_long',
        `${field.apiName} of Zoho record ${recordId} has ${value.length} characters; mzi keeps at most ${field.maxLength}. Shorten it in Zoho and save the record.`,
      );
    }
  }
}
