import {
  exactNumberText,
  isUnresolvedPlaceholder,
  RECORD_ID_PATTERN,
  rejectUnstorable,
} from './text-checks.js';

/**
 * The related record's id from a lookup field (`ModuleField.lookup`): text or a number as the id itself, or
 * Zoho's lookup object `{"id": "…", "name": "…"}` (API answers, raw JSON templates), of which only the id is
 * kept: the name may be a person's. `null` and empty text mean "empty in Zoho". Anything else (an object
 * without a usable id, an array, text that is no record id) is ignored with a warning, as other fields are; a
 * number beyond 2^53 that is not exact is refused, as a record id is.
 */
export function readLookup(value: unknown, apiName: string, warnings: string[]): string | null | undefined {
  if (value === null) return null;
  if (typeof value === 'string' || typeof value === 'number') return readId(value, apiName, warnings);
  if (typeof value === 'object' && !Array.isArray(value)) {
    const { id } = value as { id?: unknown };
    const read = typeof id === 'string' || typeof id === 'number' ? readId(id, apiName, warnings) : null;
    if (read !== null) return read;
    warnings.push(
      `Field ${apiName} was ignored: a lookup object needs the related record's id, as Zoho sends it: {"id": "…", "name": "…"}.`,
    );
    return undefined;
  }
  warnings.push(
    `Field ${apiName} was ignored: expected the related record's id, got ${Array.isArray(value) ? 'an array' : typeof value}.`,
  );
  return undefined;
}

/** An id as text; null for empty text; undefined (with a warning) for what cannot be a record id. */
function readId(value: string | number, apiName: string, warnings: string[]): string | null | undefined {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return exactNumberText(value, apiName);
    warnings.push(`Field ${apiName} was ignored: a lookup takes the related record's id, a whole number.`);
    return undefined;
  }
  rejectUnstorable(value, `Field ${apiName}`);
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (isUnresolvedPlaceholder(trimmed)) {
    warnings.push(
      `Field ${apiName} arrived as an unresolved Zoho placeholder and was ignored; check its merge field in the Zoho webhook.`,
    );
    return undefined;
  }
  if (!RECORD_ID_PATTERN.test(trimmed)) {
    // Never echo the value: it may be the related record's name, a person's.
    warnings.push(
      `Field ${apiName} was ignored: a lookup takes the related record's Zoho id (digits), not its name; check its merge field in the Zoho webhook.`,
    );
    return undefined;
  }
  return trimmed;
}
