import { describe, expect, it } from 'vitest';
import { ADMIN_ONLY, publicError } from '../../src/http/public-error.js';

describe('publicError', () => {
  it('keeps an error code and says in plain words what it means', () => {
    expect(publicError('SQLITE_FULL: database or disk is full')).toBe('SQLITE_FULL: the disk is full');
    expect(publicError('SQLITE_BUSY: database is locked')).toBe(
      'SQLITE_BUSY: the database is locked by another process',
    );
    expect(publicError('57P01: terminating connection due to administrator command')).toBe(
      '57P01: the database server cannot be reached',
    );
  });

  it('never shows what follows the code: a host, a port, a user or a path', () => {
    expect(publicError('ECONNREFUSED: connect ECONNREFUSED 10.0.0.5:5432')).toBe(
      'ECONNREFUSED: the database server cannot be reached',
    );
    expect(publicError('28P01: password authentication failed for user "mzi"')).toBe('28P01');
    expect(publicError('The log writer thread stopped: /var/lib/mzi/mzi.sqlite')).toBe(ADMIN_ONLY);
    expect(publicError(null)).toBeNull();
  });
});
