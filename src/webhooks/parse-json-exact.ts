import { parse } from 'lossless-json';

const INTEGER_LITERAL = /^-?\d+$/;

/**
 * `JSON.parse`, except that an integer literal beyond Number's exact range (|n| ≥ 2^53) keeps its exact
 * digits as a string. A 19-digit Zoho record id sent as a JSON number would otherwise be rounded, and two
 * records would become one (issue 15). Every other number, duplicate keys (the last wins) and `__proto__`
 * (an ordinary key) come out as `JSON.parse` gives them.
 */
export function parseJsonExact(text: string): unknown {
  return parse(text, null, {
    parseNumber: readNumber,
    onDuplicateKey: ({ newValue }) => newValue,
  });
}

function readNumber(source: string): number | string {
  const value = Number(source);
  // Fractions and exponents stay numbers, as JSON.parse reads them: only integers have exact digits to keep.
  return Number.isSafeInteger(value) || !INTEGER_LITERAL.test(source) ? value : source;
}
