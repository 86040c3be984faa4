import { describe, expect, it } from 'vitest';
import type { EnrolmentOp } from '../../src/modules/enrollments/decide-enrolment.js';
import { sendEnrolments } from '../../src/modules/enrollments/send-enrolments.js';
import type { MoodleClient, MoodleEnrolment } from '../../src/moodle/create-moodle-client.js';
import { type MoodleError, MoodleException, MoodleTransportError } from '../../src/moodle/moodle-errors.js';

/** A client whose enrol call refuses the batches that contain a refused user, as Moodle does (156). */
function stubMoodle(refuse: (enrolment: MoodleEnrolment) => MoodleError | undefined) {
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
