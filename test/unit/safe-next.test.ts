import { describe, expect, it } from 'vitest';
import { safeNext } from '../../src/http/routes/dashboard/safe-next.js';

describe('safeNext', () => {
  it.each(['/admin', '/admin/events?status=failed', '/admin/students/42'])(
    'follows the dashboard path %s',
    (path) => {
      expect(safeNext(path)).toBe(path);
    },
  );

  it.each([
    ['another site', 'https://evil.example/admin'],
    ['a protocol-relative URL', '//evil.example/admin'],
    ['a path outside the dashboard', '/api/v1/events'],
    ['a look-alike prefix', '/administrator'],
    ['a path with a space', '/admin/x y'],
    ['a path with a line break', '/admin/\r\nSet-Cookie: x=1'],
    ['no value', undefined],
    ['a repeated parameter', ['/admin/events', '/admin']],
  ])('sends %s to the overview', (_case, value) => {
    expect(safeNext(value)).toBe('/admin');
  });
});
