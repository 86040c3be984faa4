import { AppError } from '../errors.js';

/** Zoho leaves a merge field it cannot resolve as literal text such as `${CRMID}` (DESIGN.md §2). */
export function isUnresolvedPlaceholder(value: string): boolean {
  return value.includes('${');
}

/**
 * An id or other key sent as a number, as text. Integer literals beyond 2^53 arrive as their exact digits (see
 * parseJsonExact); a number that is still inexact here (`4876876000000123457.0`, `4.876876e18`) was rounded
 * and would merge records, so it is refused instead of guessed. `key` is the value's key in the body.
 */
export function exactNumberText(value: number, key: string): string {
  if (Math.abs(value) < 2 ** 53) return String(value);
  throw new AppError(
    'inexact_number',
    `"${key}" is a number too large to read exactly (beyond 2^53); send it as an integer without a fraction or exponent, or as a string: "${key}": "4876876000000123457".`,
    { status: 400 },
  );
}

/**
 * Refuses what no Zoho field holds and PostgreSQL text cannot store as sent: U+0000 (JSON `\u0000`, form
 * `%00`) and a lone surrogate (JSON `\ud800`), so both databases answer the same 400 instead of one storing
 * the value and the other failing or replacing it.
 */
export function rejectUnstorable(value: string, what: string): void {
  if (value.includes('\u0000')) {
    throw new AppError(
      'invalid_character',
      `${what} contains a NUL character (U+0000), which no Zoho field holds.`,
      { status: 400 },
    );
  }
  if (!value.isWellFormed()) {
    throw new AppError(
      'invalid_character',
      `${what} contains a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which is not a character: send the text as UTF-8.`,
      { status: 400 },
    );
  }
}

/** What mzi accepts as a Zoho record id (Zoho's are digits), in the body and in lookup fields. */
export const RECORD_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
