/**
 * Characters a terminal acts on instead of showing: C0 controls (ESC starts ANSI sequences, CR and BS overwrite
 * what is shown), DEL, C1 controls (U+009B is an 8-bit CSI), the line and paragraph separators, and the bidi
 * embeddings, overrides and isolates that reorder what follows them.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNPRINTABLE_BUT_NEWLINE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the same, except the line feed.
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const toEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * One value (a Zoho field, an error message) made safe to show on one line of a terminal: every control
 * character, newlines included, becomes a `\u001b`-style escape. The escape is also JSON's, so a value inside
 * a JSON string stays valid JSON.
 */
export function printable(value: string): string {
  return value.replace(UNPRINTABLE, toEscape);
}

/**
 * Text mzi composed (several lines, or JSON from JSON.stringify) made safe for a terminal: as `printable`, but
 * line feeds stay. JSON stays valid and means the same, since JSON only holds raw control characters inside
 * strings, where `\uXXXX` is the same character.
 */
export function printableText(text: string): string {
  return text.replace(UNPRINTABLE_BUT_NEWLINE, toEscape);
}
