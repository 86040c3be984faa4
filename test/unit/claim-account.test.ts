import { describe, expect, it } from 'vitest';
import {
  type ClaimOptions,
  claimAccount,
  protectedReason,
} from '../../src/modules/shared/moodle-users/claim-account.js';
import { studentKind } from '../../src/modules/students/student-kind.js';
import type { MoodleUser } from '../../src/moodle/create-moodle-client.js';

const STUDENT = studentKind({
  usernameFrom: 'email',
  auth: 'manual',
  suspendStatuses: [],
  lastnameFallback: '-',
});

const user = (fields: Partial<MoodleUser> = {}): MoodleUser => ({
  id: 40,
  username: 'teacher.one',
  firstname: 'T',
  lastname: 'One',
  fullname: 'T One',
  email: 'Teacher.One@School.example',
  auth: 'manual',
  suspended: false,
  confirmed: true,
  ...fields,
});

const claim = (options: Partial<ClaimOptions> = {}) =>
  claimAccount({
    user: user(),
    matchedBy: 'email',
    recordId: 'R1',
    idnumber: 'S-1',
    emailField: 'Academic_Email',
    kind: STUDENT,
    stored: null,
    protection: { tokenUserId: 3, entries: [] },
    adopt: 'unlinked',
    ...options,
  });

describe('claiming an existing Moodle account', () => {
  it('protects the token user, admin and guest, and listed ids, usernames and emails in any case', () => {
    const protection = { tokenUserId: 3, entries: ['40', 'head', 'dean@school.example'] };
    expect(protectedReason(user({ id: 3 }), protection)).toContain('web-service token');
    expect(protectedReason(user({ username: 'admin' }), { tokenUserId: 3, entries: [] })).toContain(
      '"admin"',
    );
    expect(protectedReason(user({ username: 'guest' }), { tokenUserId: 3, entries: [] })).toContain(
      '"guest"',
    );
    expect(protectedReason(user(), protection)).toContain('MOODLE_PROTECTED_USERS');
    expect(protectedReason(user({ id: 41, username: 'Head' }), protection)).toContain(
      'MOODLE_PROTECTED_USERS',
    );
    expect(protectedReason(user({ id: 41, email: 'DEAN@School.Example' }), protection)).toContain(
      'MOODLE_PROTECTED_USERS',
    );
    expect(protectedReason(user({ id: 41 }), protection)).toBeUndefined();
    // An empty email never matches: Moodle omits empty fields.
    expect(protectedReason(user({ id: 41, email: '' }), { tokenUserId: 3, entries: [''] })).toBeUndefined();
  });

  it('adopts an unlinked account, links one with the student idnumber, refuses any other idnumber', () => {
    expect(claim()).toBe('adopted');
    expect(claim({ user: user({ idnumber: 'S-1' }), matchedBy: 'idnumber' })).toBe('linked');
    expect(() => claim({ user: user({ idnumber: 's-1' }) })).toThrow(/idnumber is set to another value/);
    expect(() => claim({ adopt: 'never' })).toThrow(/MOODLE_ADOPT_EXISTING=never/);
    expect(() => claim({ idnumber: '', user: user({ idnumber: 'EMP-1' }) })).toThrow(/another value/);
  });

  it('keeps what the mirror recorded, except for a protected account', () => {
    expect(claim({ stored: 'created', user: user({ idnumber: 'OLD' }) })).toBe('created');
    expect(() => claim({ stored: 'created', user: user({ id: 3 }) })).toThrow(
      /Moodle user 3 has the Academic_Email of Zoho record R1, but it is the user of mzi's own web-service token/,
    );
  });
});
