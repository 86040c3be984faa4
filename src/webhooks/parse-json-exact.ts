/**
 * `JSON.parse`, except that an integer literal beyond Number's exact range (|n| ≥ 2^53) keeps its exact
 * digits as a string. A 19-digit Zoho record id sent as a JSON number would otherwise be rounded, and two
 * records would become one (issue 15). Every other number, duplicate keys (the last wins) and `__proto__` (an
 * ordinary key) come out as `JSON.parse` gives them.
 *
 * Such integers are put in quotes and the text is then read by `JSON.parse`: one scan, and the native parser
 * for the rest. lossless-json gives the same values (the unit tests compare the two on generated texts), but it
 * reads strings character by character in JavaScript, many times slower than JSON.parse on a long body.
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(quoteUnsafeIntegers(text));
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Puts quotes around each integer literal beyond 2^53 that stands where a JSON value may stand. Anything else
 * is left as it is, invalid text included, so that JSON.parse accepts and refuses exactly what it did: a
 * number where a key belongs, with a leading zero, or glued to other characters is not touched.
 */
function quoteUnsafeIntegers(text: string): string {
  const parts: string[] = [];
  let copiedTo = 0;
  /** For each open container, whether it is an object (its next token after `,` is a key). */
  const inObject: boolean[] = [];
  let valueExpected = true;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isWhitespace(c)) {
      i += 1;
    } else if (c === QUOTE) {
      i = endOfString(text, i);
      valueExpected = false;
    } else if (valueExpected && (isDigit(c) || c === MINUS)) {
      const end = endOfNumber(text, i);
      if (isUnsafeInteger(text, i, end)) {
        parts.push(text.slice(copiedTo, i), '"', text.slice(i, end), '"');
        copiedTo = end;
      }
      i = Math.max(end, i + 1);
      valueExpected = false;
    } else {
      if (c === 0x7b /* { */ || c === 0x5b /* [ */) inObject.push(c === 0x7b);
      else if (c === 0x7d /* } */ || c === 0x5d /* ] */) inObject.pop();
      valueExpected =
        c === 0x5b || c === 0x3a /* : */ || (c === 0x2c /* , */ && inObject[inObject.length - 1] === false);
      i += 1;
    }
  }
  if (copiedTo === 0) return text;
  parts.push(text.slice(copiedTo));
  return parts.join('');
}

/** Index after the string that starts at `start` (its closing quote), or the end of an unterminated one. */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i += 1;
    else if (c === QUOTE) return i + 1;
  }
  return text.length;
}

/** Index after the run of characters a JSON number can hold, from `start`. */
function endOfNumber(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (
      !(
        (isDigit(c) || c === MINUS || c === 0x2b /* + */ || c === 0x2e /* . */ || (c | 0x20) === 0x65) /* e */
      )
    )
      break;
    i += 1;
  }
  return i;
}

const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER);

/** Whether text[start, end) is a valid JSON integer literal (no fraction, exponent or leading zero) beyond 2^53. */
function isUnsafeInteger(text: string, start: number, end: number): boolean {
  const digitsStart = text.charCodeAt(start) === MINUS ? start + 1 : start;
  const length = end - digitsStart;
  if (length < MAX_SAFE_DIGITS.length) return false;
  if (text.charCodeAt(digitsStart) === 0x30 /* 0 */) return false;
  for (let i = digitsStart; i < end; i += 1) if (!isDigit(text.charCodeAt(i))) return false;
  // Same number of digits, no leading zero: comparing the digits as text compares the numbers.
  return length > MAX_SAFE_DIGITS.length || text.slice(digitsStart, end) > MAX_SAFE_DIGITS;
}
