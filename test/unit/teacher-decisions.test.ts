import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ProcessingError } from '../../src/event-log/processing-error.js';
import { createHoldersOf, moduleSettings } from '../../src/modules/index.js';
import { decideClaims } from '../../src/modules/shared/moodle-users/decide-claims.js';
import { diffUser } from '../../src/modules/shared/moodle-users/diff-user.js';
import { newUserParams } from '../../src/modules/shared/moodle-users/new-user-params.js';
import { students } from '../../src/modules/students/index.js';
import { teachers } from '../../src/modules/teachers/index.js';
import { mapTeacherToMoodle, type TeacherForMoodle } from '../../src/modules/teachers/map-teacher.js';
import { teacherKind } from '../../src/modules/teachers/teacher-kind.js';
import { validateTeacher } from '../../src/modules/teachers/validate-teacher.js';
import type { ZohoModule } from '../../src/modules/zoho-module.js';
import type { MoodleUser } from '../../src/moodle/create-moodle-client.js';
import { MoodleException } from '../../src/moodle/moodle-errors.js';

const SETTINGS = { idnumberPrefix: 'zoho-teacher-', auth: 'manual', lastnameFallback: '-' };
const TEACHER = teacherKind(SETTINGS);

const teacher = (fields: Partial<TeacherForMoodle> = {}): TeacherForMoodle => ({
  recordId: 'T1',
  name: 'Rania Saad',
  academicEmail: 'Rania.Saad@School.example.edu',
  email: 'rania@home.example',
  phone: ' +961 1 234 567 ',
  reactivate: false,
  ...fields,
});

const user = (fields: Partial<MoodleUser> = {}): MoodleUser => ({
  id: 40,
  username: 'r.saad',
  firstname: 'R',
  lastname: 'Saad',
  fullname: 'R Saad',
  email: 'rania.saad@school.example.edu',
  auth: 'manual',
  suspended: true,
  confirmed: true,
  city: 'Beirut',
  country: 'LB',
  ...fields,
});

describe('what Moodle user a teacher is', () => {
  it('takes Academic_Email for email and username, the prefixed record id for idnumber, and no city, country or suspension', () => {
    const mapped = mapTeacherToMoodle(teacher(), SETTINGS);
    expect(mapped).toEqual({
      user: {
        username: 'rania.saad@school.example.edu',
        firstname: 'Rania',
        lastname: 'Saad',
        email: 'Rania.Saad@School.example.edu',
        idnumber: 'zoho-teacher-T1',
        phone1: '+961 1 234 567',
        auth: 'manual',
      },
      warnings: [],
      emailField: 'Academic_Email',
      usernameField: 'Academic_Email',
    });
  });

  it('falls back to Email when Academic_Email is empty, and names it', () => {
    const mapped = mapTeacherToMoodle(teacher({ academicEmail: '  ' }), SETTINGS);
    expect(mapped).toMatchObject({ user: { email: 'rania@home.example' }, emailField: 'Email' });
  });

  it('reactivates only a teacher whose account mzi suspended on delete', () => {
    const back = mapTeacherToMoodle(teacher({ reactivate: true }), SETTINGS);
    expect('user' in back && back.user.suspended).toBe(false);
  });

  it('says what is missing instead of mapping a teacher without email or name', () => {
    expect(mapTeacherToMoodle(teacher({ academicEmail: null, email: '' }), SETTINGS)).toEqual({
      problem: expect.stringContaining('Academic_Email and Email are both empty for Zoho record T1'),
    });
    expect(mapTeacherToMoodle(teacher({ name: ' ' }), SETTINGS)).toEqual({
      problem: expect.stringContaining("Fill in the teacher's Name in Zoho"),
    });
  });

  it('validates the address Moodle will get, naming the field it came from', () => {
    expect(() => validateTeacher(teacher())).not.toThrow();
    expect(() => validateTeacher(teacher({ academicEmail: null, email: null }))).toThrow(
      /neither an Academic_Email nor an Email/,
    );
    expect(() => validateTeacher(teacher({ academicEmail: 'not-an-email' }))).toThrow(
      /Academic_Email "not-an-email" of Zoho record T1 is not a valid email address/,
    );
    expect(() => validateTeacher(teacher({ academicEmail: '', email: 'x@' }))).toThrow(/^Email "x@"/);
  });
});

describe("what changes on a teacher's existing account", () => {
  it('leaves city, country and suspension alone, and never sends them on create', () => {
    const mapped = mapTeacherToMoodle(teacher(), SETTINGS);
    if (!('user' in mapped)) throw new Error('mapped');
    const { changed } = diffUser(user(), mapped.user, false);
    expect(changed).toEqual(['firstname', 'idnumber', 'phone1']);
    const params = newUserParams(mapped.user);
    expect(Object.keys(params)).not.toContain('city');
    expect(Object.keys(params)).not.toContain('country');
  });
});

describe("deciding a teacher's account", () => {
  const protection = { tokenUserId: 3, entries: [] };
  const candidate = {
    user: user({ idnumber: '' }),
    matchedBy: 'email' as const,
    recordId: 'T1',
    idnumber: 'zoho-teacher-T1',
    emailField: 'Academic_Email',
    stored: null,
  };
  const studentHolder = { module: 'student', zohoApiName: 'BTEC_Students', recordId: 'S1' };
  const errorOf = (decision: ReturnType<typeof decideClaims>[number] | undefined) =>
    decision && !decision.ok && decision.error instanceof ProcessingError ? decision.error : undefined;

  it("refuses an account a live student holds, naming both records and the student's module", () => {
    const [decision] = decideClaims([candidate], {
      protection,
      holders: new Map([[40, [studentHolder]]]),
      adopt: 'unlinked',
      kind: TEACHER,
    });
    expect(errorOf(decision)?.code).toBe('moodle.account_conflict');
    expect(errorOf(decision)?.message).toContain(
      'Moodle user 40, found for Zoho record T1, is already the account of Zoho record S1 (BTEC_Students, a student)',
    );
  });

  it('refuses an account that a student with the same record id holds: records of two modules are two people', () => {
    const holders = new Map([[40, [{ ...studentHolder, recordId: 'T1' }]]]);
    const [decision] = decideClaims([candidate], { protection, holders, adopt: 'unlinked', kind: TEACHER });
    expect(errorOf(decision)?.code).toBe('moodle.account_conflict');
  });

  it('keeps an account the same teacher holds, and links one carrying its idnumber', () => {
    const holders = new Map([[40, [{ module: 'teacher', zohoApiName: 'BTEC_Teachers', recordId: 'T1' }]]]);
    const decisions = decideClaims(
      [
        candidate,
        {
          ...candidate,
          user: user({ id: 41, idnumber: 'zoho-teacher-T2' }),
          recordId: 'T2',
          idnumber: 'zoho-teacher-T2',
        },
      ],
      { protection, holders, adopt: 'unlinked', kind: TEACHER },
    );
    expect(decisions).toEqual([
      { ok: true, ownership: 'adopted' },
      { ok: true, ownership: 'linked' },
    ]);
  });

  it('advises the idnumber to set, with the setting it comes from', () => {
    const [decision] = decideClaims([{ ...candidate, user: user({ idnumber: 'EMP-1' }) }], {
      protection,
      holders: new Map(),
      adopt: 'unlinked',
      kind: TEACHER,
    });
    expect(errorOf(decision)?.message).toContain(
      'set its idnumber in Moodle to "zoho-teacher-T1" (MOODLE_TEACHER_IDNUMBER_PREFIX + the Zoho record id)',
    );
  });
});

describe('who holds a Moodle user', () => {
  it('asks every module that declares holders, and names each holder by module', async () => {
    const holding = (name: string, api: string, byUser: Map<number, string[]>) =>
      ({ name, zohoApiName: api, moodleUserHolders: async () => byUser }) as unknown as ZohoModule;
    const holdersOf = createHoldersOf([
      holding('student', 'BTEC_Students', new Map([[7, ['S1']]])),
      holding(
        'teacher',
        'BTEC_Teachers',
        new Map([
          [7, ['T1']],
          [8, ['T2']],
        ]),
      ),
      { name: 'program' } as unknown as ZohoModule,
    ]);
    const holders = await holdersOf({} as never, [7, 8]);
    expect(holders.get(7)).toEqual([
      { module: 'student', zohoApiName: 'BTEC_Students', recordId: 'S1' },
      { module: 'teacher', zohoApiName: 'BTEC_Teachers', recordId: 'T1' },
    ]);
    expect(holders.get(8)).toEqual([{ module: 'teacher', zohoApiName: 'BTEC_Teachers', recordId: 'T2' }]);
    expect((await holdersOf({} as never, [])).size).toBe(0);
  });

  it('is declared by both modules whose records are Moodle users', () => {
    expect(typeof students.moodleUserHolders).toBe('function');
    expect(typeof teachers.moodleUserHolders).toBe('function');
  });
});

describe('teacher settings', () => {
  const load = (env: Record<string, string>) =>
    moduleSettings(loadConfig({ env: { ...env }, dotenvPath: null }), teachers);

  it('defaults to the zoho-teacher- prefix and keeping the account of a deleted teacher', () => {
    expect(load({})).toMatchObject({
      idnumberPrefix: 'zoho-teacher-',
      onDelete: 'ignore',
      auth: 'manual',
      adoptExisting: 'unlinked',
    });
    expect(load({ MOODLE_ON_TEACHER_DELETE: 'suspend', MOODLE_PROTECTED_USERS: 'Head' })).toMatchObject({
      onDelete: 'suspend',
      protectedUsers: ['head'],
    });
  });

  it('tells mzi doctor how teachers are linked and what a delete does', () => {
    const site = { userid: 2, username: 'admin' };
    expect(teachers.doctorChecks?.(load({ MOODLE_ON_TEACHER_DELETE: 'suspend' }), site)).toEqual([
      {
        name: 'moodle teacher accounts',
        status: 'ok',
        detail:
          "links a teacher's account by idnumber zoho-teacher-<Zoho record id> (MOODLE_TEACHER_IDNUMBER_PREFIX), under the same account policy as students; a deleted teacher's account is suspended (MOODLE_ON_TEACHER_DELETE=suspend)",
      },
    ]);
  });

  it('refuses an empty or padded prefix and an unknown delete action, naming the setting', () => {
    expect(() => load({ MOODLE_TEACHER_IDNUMBER_PREFIX: ' t-' })).toThrow(/MOODLE_TEACHER_IDNUMBER_PREFIX/);
    expect(() => load({ MOODLE_TEACHER_IDNUMBER_PREFIX: '' })).toThrow(/MOODLE_TEACHER_IDNUMBER_PREFIX/);
    expect(() => load({ MOODLE_ON_TEACHER_DELETE: 'hide' })).toThrow(/MOODLE_ON_TEACHER_DELETE/);
  });
});

describe('a missing capability of the web-service user', () => {
  it('names the capability and the Moodle page to grant it (transcript 169)', () => {
    const error = new MoodleException({
      wsfunction: 'core_user_delete_users',
      exception: 'core\\exception\\required_capability_exception',
      errorcode: 'nopermissions',
      message: 'Sorry, but you do not currently have permissions to do that (Delete users).',
    });
    expect(error.code).toBe('moodle.nopermissions');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      "Moodle rejected core_user_delete_users: nopermissions: Sorry, but you do not currently have permissions to do that (Delete users). The role of mzi's web-service user lacks the capability moodle/user:delete: allow it in Site administration > Users > Permissions > Define roles (edit that role), then retry this event.",
    );
  });
});
