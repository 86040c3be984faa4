import { printableText } from './printable.js';

/**
 * Output goes through these so commands stay testable and nothing logs PII by accident. Values come from Zoho
 * and Moodle, so control characters are escaped: a field must not be able to rewrite the operator's terminal.
 */
export const out = (text: string) => process.stdout.write(`${printableText(text)}\n`);
/** As `out`, on standard error. */
export const err = (text: string) => process.stderr.write(`${printableText(text)}\n`);
