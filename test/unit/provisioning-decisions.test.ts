import { describe, expect, it } from 'vitest';
import { ProcessingError } from '../../src/event-log/processing-error.js';
import { type ClaimCandidate, decideClaims } from '../../src/modules/shared/moodle-users/decide-claims.js';
import type { DesiredMoodleUser } from '../../src/modules/shared/moodle-users/desired-user.js';
import { diffUser } from '../../src/modules/shared/moodle-users/diff-user.js';
import { newUserParams } from '../../src/modules/shared/moodle-users/new-user-params.js';
import { parseUserId } from '../../src/modules/shared/moodle-users/parse-user-id.js';
import { storedOwnership } from '../../src/modules/shared/moodle-users/stored-ownership.js';
import { studentKind } from '../../src/modules/students/student-kind.js';
import type { MoodleUser } from '../../src/moodle/create-moodle-client.js';

const STUDENT = studentKind({
  usernameFrom: 'email',
  auth: 'manual',
  suspendStatuses: [],
  lastnameFallback: '-',
});

const desired = (fields: Partial<DesiredMoodleUser> = {}): DesiredMoodleUser => ({
  username: 'ada@school.example',
  firstname: 'Ada',
  lastname: 'Lovelace',
  email: 'ada@school.example',
  idnumber: 'S-1',
  phone1: '',
  city: '',
  country: '',
  auth: 'manual',
  suspended: false,
  ...fields,
});

const user = (fields: Partial<MoodleUser> = {}): MoodleUser => ({
  id: 40,
  username: 'ada@school.example',
  firstname: 'Ada',
  lastname: 'Lovelace',
  fullname: 'Ada Lovelace',
  email: 'ada@school.example',
  idnumber: 'S-1',
  auth: 'manual',
  suspended: false,
  confirmed: true,
  ...fields,
});

describe('what to change on an existing account', () => {
  it('changes nothing when the account already is what the student should be, ignoring case in email and username', () => {
    const current = user({ email: 'Ada@School.Example', username: 'ADA@school.example' });
    expect(diffUser(current, desired(), true)).toEqual({ update: { id: 40 }, changed: [] });
  });

  it('changes username and auth only on an account mzi created, never on an adopted or linked one', () => {
    const current = user({ username: 'ada.old', auth: 'ldap', lastname: 'Byron' });
    expect(diffUser(current, desired(), true)).toEqual({
      update: { id: 40, username: 'ada@school.example', auth: 'manual', lastname: 'Lovelace' },
      changed: ['username', 'auth', 'lastname'],
    });
    expect(diffUser(current, desired(), false)).toEqual({
      update: { id: 40, lastname: 'Lovelace' },
      changed: ['lastname'],
    });
  });

  it('clears a profile field the student no longer has, and follows the suspension', () => {
    expect(diffUser(user({ city: 'Leeds' }), desired({ suspended: true }), false)).toEqual({
      update: { id: 40, city: '', suspended: true },
      changed: ['city', 'suspended'],
    });
  });
});

describe('what to send for a new account', () => {
  it('lets Moodle mail a password for manual accounts and leaves out empty fields and the suspension', () => {
    expect(newUserParams(desired({ city: 'York', suspended: true }))).toEqual({
      username: 'ada@school.example',
      firstname: 'Ada',
      lastname: 'Lovelace',
      email: 'ada@school.example',
      auth: 'manual',
      createpassword: true,
      idnumber: 'S-1',
      city: 'York',
    });
  });

  it('gives other login methods a random password instead', () => {
    const params = newUserParams(desired({ auth: 'oauth2', idnumber: '' }));
    expect(params).not.toHaveProperty('createpassword');
    expect(params).not.toHaveProperty('idnumber');
    expect(params.password).toMatch(/.{8,}/);
  });
});

describe('reading what the mirror recorded', () => {
  const input = (knownMoodleUserId: string | null, knownOwnership: string | null) => ({
    student: {
      recordId: 'R1',
      studentIdNumber: 'S-1',
      email: null,
      name: null,
      phone: null,
      city: null,
      country: null,
      status: null,
    },
    givenMoodleUserId: null,
    knownMoodleUserId,
    knownOwnership,
  });

  it('takes the recorded ownership only for the very account it was recorded for', () => {
    expect(storedOwnership(input('40', 'adopted'), 40)).toBe('adopted');
    expect(storedOwnership(input(' 40 ', 'created'), 40)).toBe('created');
    expect(storedOwnership(input('41', 'adopted'), 40)).toBeNull();
    expect(storedOwnership(input(null, 'adopted'), 40)).toBeNull();
  });

  it('ignores an ownership it does not know (rows from older versions)', () => {
    expect(storedOwnership(input('40', null), 40)).toBeNull();
    expect(storedOwnership(input('40', 'owned'), 40)).toBeNull();
  });

  it('accepts only positive whole numbers as Moodle user ids', () => {
    expect(parseUserId(' 7 ')).toBe(7);
    for (const bad of ['0', '-3', '1.5', '7a', '', '12345678901']) expect(parseUserId(bad)).toBeUndefined();
  });
});

describe('deciding the accounts of a batch', () => {
  const protection = { tokenUserId: 3, entries: [] };
  const candidate = (fields: Partial<ClaimCandidate> = {}): ClaimCandidate => ({
    user: user({ idnumber: '' }),
    matchedBy: 'email',
    recordId: 'R1',
    idnumber: 'S-1',
    emailField: 'Academic_Email',
    stored: null,
    ...fields,
  });
  const codeOf = (decision: ReturnType<typeof decideClaims>[number] | undefined) =>
    decision && !decision.ok && decision.error instanceof ProcessingError ? decision.error.code : undefined;

  it('adopts an unlinked account, links one carrying the student idnumber, keeps a recorded ownership', () => {
    const decisions = decideClaims(
      [
        candidate(),
        candidate({ user: user({ id: 41, idnumber: 'S-2' }), recordId: 'R2', idnumber: 'S-2' }),
        candidate({ user: user({ id: 42, idnumber: '' }), recordId: 'R3', stored: 'created' }),
      ],
      { protection, holders: new Map(), adopt: 'unlinked', kind: STUDENT },
    );
    expect(decisions).toEqual([
      { ok: true, ownership: 'adopted' },
      { ok: true, ownership: 'linked' },
      { ok: true, ownership: 'created' },
    ]);
  });

  it('gives an account two students of the batch match to the first only', () => {
    const [first, second] = decideClaims([candidate(), candidate({ recordId: 'R2', idnumber: '' })], {
      protection,
      holders: new Map(),
      adopt: 'unlinked',
      kind: STUDENT,
    });
    expect(first).toEqual({ ok: true, ownership: 'adopted' });
    expect(codeOf(second)).toBe('moodle.account_conflict');
    expect(second?.ok === false && String(second.error)).toContain('already the account of Zoho record R1');
  });

  it('refuses an account another live student holds, but not one the same student holds', () => {
    const holders = new Map([[40, [{ module: 'student', zohoApiName: 'BTEC_Students', recordId: 'R9' }]]]);
    const [refused] = decideClaims([candidate()], { protection, holders, adopt: 'unlinked', kind: STUDENT });
    expect(codeOf(refused)).toBe('moodle.account_conflict');
    const [kept] = decideClaims([candidate({ recordId: 'R9' })], {
      protection,
      holders,
      adopt: 'unlinked',
      kind: STUDENT,
    });
    expect(kept).toEqual({ ok: true, ownership: 'adopted' });
    expect(holders.get(40)).toEqual([{ module: 'student', zohoApiName: 'BTEC_Students', recordId: 'R9' }]);
  });

  it('refuses a protected account, another idnumber, and an unlinked one with adoption off', () => {
    const decisions = decideClaims(
      [
        candidate({ user: user({ id: 3, idnumber: '' }) }),
        candidate({ user: user({ id: 41, idnumber: 'S-7' }), recordId: 'R2' }),
        candidate({ user: user({ id: 42, idnumber: '' }), recordId: 'R3' }),
      ],
      { protection, holders: new Map(), adopt: 'never', kind: STUDENT },
    );
    expect(decisions.map(codeOf)).toEqual([
      'moodle.account_conflict',
      'moodle.account_conflict',
      'moodle.account_conflict',
    ]);
  });

  it('lets a refused student leave the account free for a later one of the batch', () => {
    const [refused, adopted] = decideClaims(
      [
        candidate({ user: user({ idnumber: 'S-7' }) }),
        candidate({ user: user({ idnumber: 'S-7' }), recordId: 'R2', idnumber: 'S-7' }),
      ],
      { protection, holders: new Map(), adopt: 'unlinked', kind: STUDENT },
    );
    expect(codeOf(refused)).toBe('moodle.account_conflict');
    expect(adopted).toEqual({ ok: true, ownership: 'linked' });
  });
});
