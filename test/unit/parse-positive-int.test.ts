import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parsePositiveInt } from '../../src/cli/parse-positive-int.js';

describe('parsePositiveInt', () => {
  it('accepts whole numbers from 1 to 10000', () => {
    expect(parsePositiveInt('1')).toBe(1);
    expect(parsePositiveInt('20')).toBe(20);
    expect(parsePositiveInt('10000')).toBe(10_000);
  });

  it.each(['0', '-3', '10001', '2.5', 'ten', ''])('refuses "%s" with the allowed range', (value) => {
    expect(() => parsePositiveInt(value)).toThrow(InvalidArgumentError);
    expect(() => parsePositiveInt(value)).toThrow('must be a whole number from 1 to 10000');
  });
});
