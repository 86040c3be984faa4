import { describe, expect, it } from 'vitest';
import type { ProcessingError } from '../../src/event-log/processing-error.js';
import { type EnrolmentSubject, explainEnrolmentFailure } from '../../src/modules/shared/enrolment-errors.js';
import { missingCapability } from '../../src/modules/shared/moodle-capabilities.js';
import { MoodleException, MoodleTransportError } from '../../src/moodle/moodle-errors.js';

const subject: EnrolmentSubject = {
  record: 'Zoho class 77 ("IT")',
  user: 'teacher 88 (Moodle user 808)',
  userId: 808,
  courseId: 6,
  roleId: 3,
  roleSetting: 'MOODLE_TEACHER_ROLE_ID',
};

/** An exception as the client builds it from the recorded bodies. */
const exception = (
  errorcode: string,
  message: string,
  exceptionClass = 'core\\exception\\moodle_exception',
) =>
  new MoodleException({
    wsfunction: 'enrol_manual_enrol_users',
    exception: exceptionClass,
    errorcode,
    message,
  });

const failed = (error: unknown, action: 'enrol' | 'unenrol' = 'enrol') => {
  const outcome = explainEnrolmentFailure(error, subject, action);
  if (outcome.committed) throw new Error('expected a failure');
  return outcome.error as ProcessingError;
};

describe('enrolment errors', () => {
  it('says where to add the manual enrolment method (wsnoinstance, transcript 153)', () => {
    const error = failed(
      exception(
        'wsnoinstance',
        "Manual enrolment plugin instance doesn't exist or is disabled for the course (id = 6)",
      ),
    );
    expect(error.code).toBe('moodle.wsnoinstance');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      /^Could not enrol teacher 88 \(Moodle user 808\) in Moodle course 6 for Zoho class 77 \("IT"\): the course has no enabled manual enrolment method\./,
    );
    expect(error.message).toContain('Participants > Enrolment methods');
  });

  it('names the role, its setting and "Allow role assignments" (wsusercannotassign, transcript 164)', () => {
    const error = failed(
      exception(
        'wsusercannotassign',
        "You don't have the permission to assign this role (3) to this user (808) in this course (6).",
      ),
    );
    expect(error.code).toBe('moodle.wsusercannotassign');
    expect(error.message).toContain('Moodle refused role 3');
    expect(error.message).toContain('check MOODLE_TEACHER_ROLE_ID');
    expect(error.message).toContain(
      "Site administration > Users > Permissions > Define roles > the web-service user's role > Allow role assignments: allow role 3",
    );
  });

  it('names moodle/course:viewhiddencourses for a hidden course (requireloginerror, transcript 175)', () => {
    const error = failed(
      exception(
        'requireloginerror',
        'Course or activity not accessible.',
        'core\\exception\\require_login_exception',
      ),
    );
    expect(error.message).toContain('the course is hidden');
    expect(error.message).toContain('moodle/course:viewhiddencourses');
  });

  it('names a missing capability by its name, read from the description Moodle gives', () => {
    const error = failed(
      exception(
        'nopermissions',
        'Sorry, but you do not currently have permissions to do that (Unenrol users from the course).',
        'core\\exception\\required_capability_exception',
      ),
      'unenrol',
    );
    expect(error.message).toContain('lacks enrol/manual:unenrol (Unenrol users from the course)');
  });

  it('treats "Message was not sent." as an enrolment stored, with a warning (transcript 149)', () => {
    const outcome = explainEnrolmentFailure(
      exception('Message was not sent.', 'error/Message was not sent.'),
      subject,
      'enrol',
    );
    expect(outcome.committed).toBe(true);
    expect(outcome.committed && outcome.warning).toContain('could not send the welcome message');
  });

  it('leaves errors it does not know, such as an unreachable Moodle, as they are', () => {
    const down = new MoodleTransportError({
      reason: 'network',
      wsfunction: 'enrol_manual_enrol_users',
      detail: 'ECONNREFUSED',
    });
    expect(failed(down)).toBe(down);
    const odd = exception('somethingnew', 'New in Moodle 6');
    expect(failed(odd)).toBe(odd);
  });
});

describe('missing capabilities', () => {
  it('maps the descriptions Moodle puts in nopermissions messages to capability names', () => {
    expect(
      missingCapability('Sorry, but you do not currently have permissions to do that (Hide/show courses).'),
    ).toEqual({ name: 'moodle/course:visibility', description: 'Hide/show courses' });
    expect(
      missingCapability('Sorry, but you do not currently have permissions to do that (Delete users).').name,
    ).toBe('moodle/user:delete');
    expect(missingCapability('Sorry (Something new).')).toEqual({
      name: undefined,
      description: 'Something new',
    });
    expect(missingCapability('No parentheses')).toEqual({ name: undefined, description: undefined });
  });
});
