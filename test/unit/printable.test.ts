import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printable, printableText } from '../../src/cli/printable.js';

/** Whether the text holds a character a terminal may act on, by code point range. */
const hasUnsafe = (text: string) =>
  [...text].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return (
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      code === 0x2028 ||
      code === 0x2029 ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069)
    );
  });
const CONTROL_CODES = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  0x7f,
  ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i),
  0x2028,
  0x2029,
  0x202a,
  0x202e,
  0x2066,
  0x2069,
];

describe('printable', () => {
  it('escapes ANSI sequences, C0, DEL, C1, line separators and bidi overrides as \\uXXXX', () => {
    expect(printable('a\u001b[2Jb')).toBe('a\\u001b[2Jb');
    expect(printable('\u009b31mred')).toBe('\\u009b31mred');
    expect(printable('x\ry\bz\u0007\u007f')).toBe('x\\u000dy\\u0008z\\u0007\\u007f');
    expect(printable('line\nforged\u2028\u2029')).toBe('line\\u000aforged\\u2028\\u2029');
    expect(printable('\u202eevil\u2066')).toBe('\\u202eevil\\u2066');
    for (const code of CONTROL_CODES)
      expect(printable(String.fromCharCode(code))).toMatch(/^\\u[0-9a-f]{4}$/);
  });

  it('leaves ordinary text alone: accents, Arabic, emoji, typographic punctuation', () => {
    for (const text of ['Lina Haddad', 'محمد الخطيب', 'Zoë “quoted” — 𝒳 🎓', '+961 71 234 567', 'a\\u001b'])
      expect(printable(text)).toBe(text);
  });

  it('never leaves a character a terminal acts on', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(hasUnsafe(printable(text))).toBe(false);
      }),
    );
  });
});

describe('printableText', () => {
  it('keeps line feeds and escapes everything else printable escapes', () => {
    expect(printableText('one\ntwo\r\u001b[2J')).toBe('one\ntwo\\u000d\\u001b[2J');
  });

  it('keeps JSON valid and equal in meaning, whatever the strings hold', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary', maxLength: 20 }), (value, text) => {
        const json = JSON.stringify({ value, text }, null, 2);
        const shown = printableText(json);
        expect(hasUnsafe(shown.replaceAll('\n', ''))).toBe(false);
        expect(JSON.parse(shown)).toEqual(JSON.parse(json));
      }),
    );
  });
});
