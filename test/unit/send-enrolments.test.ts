import { describe, expect, it } from 'vitest';
import type { EnrolmentOp } from '../../src/modules/enrollments/decide-enrolment.js';
import { sendEnrolments } from '../../src/modules/enrollments/send-enrolments.js';
import { explainEnrolmentFailure } from '../../src/modules/shared/enrolment-errors.js';
import type { MoodleClient, MoodleEnrolment } from '../../src/moodle/create-moodle-client.js';
import { MoodleException, MoodleTransportError } from '../../src/moodle/moodle-errors.js';

/** A client whose enrol call refuses the batches that contain a refused user, as Moodle does (156). */
function stubMoodle(refuse: (enrolment: MoodleEnrolment) => MoodleException | undefined) {
  const calls: MoodleEnrolment[][] = [];
  const client = {
    async enrolUsers(enrolments: MoodleEnrolment[]) {
      calls.push(enrolments);
      for (const enrolment of enrolments) {
        const error = refuse(enrolment);
        if (error) throw error;
      }
    },
    async unenrolUsers(enrolments: { userid: number; courseid: number }[]) {
      calls.push(enrolments.map((e) => ({ ...e, roleid: 0 })));
    },
  } as unknown as MoodleClient;
  return { client, calls };
}

const enrol = (userid: number, courseid: number): EnrolmentOp => ({
  kind: 'enrol',
  enrolment: { roleid: 5, userid, courseid, timestart: 0, timeend: 0, suspend: 0 },
  leaving: false,
});

const exception = (errorcode: string, message = 'refused') =>
  new MoodleException({
    wsfunction: 'enrol_manual_enrol_users',
    exception: 'core\\exception\\moodle_exception',
    errorcode,
    message,
  });

describe('sending enrolments to Moodle', () => {
  it('sends one call per course, in chunks of 100', async () => {
    const { client, calls } = stubMoodle(() => undefined);
    const ops = [
      ...Array.from({ length: 150 }, (_, i) => enrol(1000 + i, 4)),
      enrol(7, 6),
      { kind: 'unenrol', enrolment: { userid: 8, courseid: 4 }, leaving: true } as const,
    ];
    const outcomes = await sendEnrolments(client, ops);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(calls.map((c) => [c[0]?.courseid, c.length]).sort()).toEqual(
      [
        [4, 100],
        [4, 50],
        [6, 1],
        [4, 1],
      ].sort(),
    );
  });

  it('sends a refused batch again one by one and fails only the bad enrolment', async () => {
    const { client, calls } = stubMoodle((e) =>
      e.userid === 999 ? exception('invalidrecordunknown') : undefined,
    );
    const outcomes = await sendEnrolments(client, [enrol(1, 4), enrol(999, 4), enrol(3, 4)]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(calls.map((c) => c.length)).toEqual([3, 1, 1, 1]);
  });

  it('does not repeat one by one what refuses the whole course, nor a transport failure', async () => {
    const { client, calls } = stubMoodle(() => exception('wsnoinstance'));
    expect((await sendEnrolments(client, [enrol(1, 7), enrol(2, 7)])).map((o) => o.ok)).toEqual([
      false,
      false,
    ]);
    expect(calls).toHaveLength(1);
    const down = stubMoodle(
      () =>
        new MoodleTransportError({
          reason: 'network',
          wsfunction: 'enrol_manual_enrol_users',
          detail: 'ECONNREFUSED',
        }),
    );
    const outcomes = await sendEnrolments(down.client, [enrol(1, 4), enrol(2, 4)]);
    expect(outcomes.map((o) => !o.ok && (o.error as Error).name)).toEqual([
      'MoodleTransportError',
      'MoodleTransportError',
    ]);
    expect(down.calls).toHaveLength(1);
  });

  it('takes "Message was not sent." alone as stored, and in a batch sends each again to know', async () => {
    const { client, calls } = stubMoodle(() =>
      exception('Message was not sent.', 'error/Message was not sent.'),
    );
    const outcomes = await sendEnrolments(client, [enrol(1, 4), enrol(2, 4)]);
    expect(outcomes).toEqual([
      { ok: true, notice: expect.any(MoodleException) },
      { ok: true, notice: expect.any(MoodleException) },
    ]);
    expect(calls.map((c) => c.length)).toEqual([2, 1, 1]);
  });
});

describe('explaining a refused enrolment', () => {
  const subject = {
    record: 'enrollment E1 (student S1, class C1)',
    user: 'student S1 (Moodle user 805)',
    userId: 805,
    courseId: 4,
    roleId: 5,
    roleSetting: 'MOODLE_STUDENT_ROLE_ID',
  };
  const explain = (errorcode: string, message = 'refused', action: 'enrol' | 'unenrol' = 'enrol') => {
    const failure = explainEnrolmentFailure(exception(errorcode, message), subject, action);
    if (failure.committed) throw new Error('expected a failure');
    return failure.error as Error & { code: string; retryable: boolean };
  };

  it('names the record, user, course and the fix for each refusal a school meets', () => {
    expect(explain('wsnoinstance')).toMatchObject({
      code: 'moodle.wsnoinstance',
      retryable: false,
      message: expect.stringMatching(
        /enrol student S1 \(Moodle user 805\) in Moodle course 4 for enrollment E1 \(student S1, class C1\).*Participants > Enrolment methods.*Manual enrolments/,
      ),
    });
    expect(explain('wsusercannotassign').message).toMatch(
      /refused role 5.*check MOODLE_STUDENT_ROLE_ID.*Define roles > Allow role assignments/,
    );
    expect(explain('requireloginerror').message).toMatch(/hidden.*moodle\/course:viewhiddencourses/);
    expect(
      explain('nopermissions', 'Sorry, but you do not currently have permissions to do that (Enrol users).')
        .message,
    ).toMatch(/lacks the capability enrol\/manual:enrol \(Enrol users\)/);
    expect(explain('invalidparameter')).toMatchObject({
      code: 'moodle.course_missing',
      message: expect.stringContaining('Moodle has no course 4'),
    });
    expect(explain('invalidrecordunknown')).toMatchObject({
      code: 'moodle.user_missing',
      message: expect.stringContaining('Moodle has no user 805'),
    });
  });

  it('takes "Message was not sent." as stored, with a warning about the site mail', () => {
    const failure = explainEnrolmentFailure(
      exception('Message was not sent.', 'error/Message was not sent.'),
      subject,
      'enrol',
    );
    expect(failure).toEqual({
      committed: true,
      warning: expect.stringMatching(/Outgoing mail configuration/),
    });
  });

  it('leaves transport failures as they are, to be retried', () => {
    const error = new MoodleTransportError({
      reason: 'timeout',
      wsfunction: 'enrol_manual_enrol_users',
      detail: '15 s',
    });
    expect(explainEnrolmentFailure(error, subject, 'enrol')).toEqual({ committed: false, error });
  });
});
