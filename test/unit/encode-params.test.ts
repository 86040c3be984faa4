import { describe, expect, it } from 'vitest';
import { encodeParams } from '../../src/moodle/encode-params.js';

const entries = (params: Record<string, unknown>): [string, string][] => [...encodeParams(params)];

describe('encodeParams', () => {
  it('encodes an array of objects PHP-style, as users[0][email]', () => {
    expect(
      entries({
        users: [
          { username: 'jdoe', email: 'jdoe@example.com' },
          { username: 'asmith', email: 'asmith@example.com' },
        ],
      }),
    ).toEqual([
      ['users[0][username]', 'jdoe'],
      ['users[0][email]', 'jdoe@example.com'],
      ['users[1][username]', 'asmith'],
      ['users[1][email]', 'asmith@example.com'],
    ]);
  });

  it('encodes a list of scalars as values[0], values[1]', () => {
    expect(entries({ field: 'id', values: [29, 30] })).toEqual([
      ['field', 'id'],
      ['values[0]', '29'],
      ['values[1]', '30'],
    ]);
  });

  it('encodes key/value criteria and objects nested in objects', () => {
    expect(entries({ criteria: [{ key: 'email', value: 'a@b.c' }], options: { ids: [7] } })).toEqual([
      ['criteria[0][key]', 'email'],
      ['criteria[0][value]', 'a@b.c'],
      ['options[ids][0]', '7'],
    ]);
  });

  it('sends booleans as 1 and 0, never true/false (Moodle rejects those)', () => {
    expect(
      entries({
        users: [
          { id: 1, suspended: true },
          { id: 2, suspended: false },
        ],
      }),
    ).toEqual([
      ['users[0][id]', '1'],
      ['users[0][suspended]', '1'],
      ['users[1][id]', '2'],
      ['users[1][suspended]', '0'],
    ]);
  });

  it('skips undefined and null values at any depth', () => {
    expect(entries({ a: undefined, b: null, users: [{ id: 3, city: undefined, country: null }] })).toEqual([
      ['users[0][id]', '3'],
    ]);
  });

  it('sends nothing for an empty array, which PHP forms cannot express', () => {
    expect(entries({ values: [] })).toEqual([]);
  });

  it('percent-encodes the body so + and & inside values survive', () => {
    const body = encodeParams({ users: [{ password: 'Passw0rd+&=!' }] }).toString();
    expect(body).toBe('users%5B0%5D%5Bpassword%5D=Passw0rd%2B%26%3D%21');
    expect(new URLSearchParams(body).get('users[0][password]')).toBe('Passw0rd+&=!');
  });

  it('refuses values it cannot represent instead of sending garbage', () => {
    expect(() => encodeParams({ id: Number.NaN })).toThrow(TypeError);
    expect(() => encodeParams({ when: new Date(0) })).toThrow(/Date/);
  });
});
