import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  customStudentBody,
  eventRow,
  fixtureJson,
  fixtureText,
  postStudent,
  studentRow,
} from '../helpers/deliveries.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeEach(async () => {
  service = await startTestService({}, { threads: false });
});
afterEach(async () => {
  await service.cleanup();
});

describe('POST /api/v1/events/zoho/student', () => {
  it('gives events time-ordered ids (UUIDv7): later deliveries sort after earlier ones', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const reply = await postStudent(service, customStudentBody());
      expect(reply.status).toBe(200);
      ids.push(reply.body.event_id as string);
    }
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
  });

  it('queues the original custom JSON body and mirrors the student once processed', async () => {
    const body = fixtureJson('zoho/student-custom.json');
    const reply = await postStudent(service, body);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ success: true, status: 'queued', event_type: 'insert' });
    expect(typeof reply.body.event_id).toBe('string');

    await service.worker.drain();
    const event = await eventRow(service.database.db, reply.body.event_id as string);
    expect(event).toMatchObject({
      status: 'completed',
      source: 'zoho',
      module: 'BTEC_Students',
      event_type: 'insert',
      record_id: '5725767000001234567',
      error_message: null,
    });
    expect(event.processed_at).not.toBeNull();
    const student = await studentRow(service.database.db, '5725767000001234567');
    expect(student).toMatchObject({
      student_id_number: 'A01B3900C',
      academic_email: 'a01b3900c@student.example.edu',
      name: 'Lina Haddad',
      phone: '+961 71 234 567',
      city: 'Beirut',
      country: 'Lebanon',
      moodle_user_id: null,
      deleted_at: null,
      last_event_id: reply.body.event_id,
    });
  });

  it('processes an event in the background without being asked (worker woken on append)', async () => {
    const reply = await postStudent(service, customStudentBody());
    await eventually(
      async () =>
        expect((await eventRow(service.database.db, reply.body.event_id as string)).status).toBe('completed'),
      { what: 'the event completed by the woken worker' },
    );
  });

  it('accepts Zoho form data with the operation in the query string', async () => {
    const reply = await postStudent(service, fixtureText('zoho/student-form.txt'), {
      contentType: 'application/x-www-form-urlencoded',
      query: 'operation=insert',
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'queued', event_type: 'insert' });
    await service.worker.drain();
    expect((await eventRow(service.database.db, reply.body.event_id as string)).status).toBe('completed');
    expect(await studentRow(service.database.db, '5725767000001234568')).toMatchObject({
      student_id_number: 'A01B3902C',
      academic_email: 'a01b3902c@student.example.edu',
      name: 'Omar Farouk',
      phone: '+971 50 123 4567',
      country: 'United Arab Emirates',
      zoho_modified_time: '2026-11-28T10:05:00+04:00',
    });
  });

  it('accepts the operation as a form parameter and data[Field] keys', async () => {
    const form = new URLSearchParams({
      id: '900100',
      operation: 'create',
      'data[Academic_Email]': 'form.key@student.example.edu',
      'data[Student_ID_Number]': 'F-1',
    }).toString();
    const reply = await postStudent(service, form, { contentType: 'application/x-www-form-urlencoded' });
    expect(reply.body).toMatchObject({ status: 'queued', event_type: 'insert' });
    await service.worker.drain();
    expect(await studentRow(service.database.db, '900100')).toMatchObject({
      academic_email: 'form.key@student.example.edu',
      student_id_number: 'F-1',
    });
  });

  it.each([
    ['insert', 'insert'],
    ['create', 'insert'],
    ['created', 'insert'],
    ['update', 'update'],
    ['edit', 'update'],
    ['edited', 'update'],
    ['delete', 'delete'],
    ['deleted', 'delete'],
    ['remove', 'delete'],
  ])('stores operation "%s" as event_type %s', async (spelling, expected) => {
    const reply = await postStudent(service, customStudentBody({ operation: spelling }));
    expect(reply.status).toBe(200);
    const event = await eventRow(service.database.db, reply.body.event_id as string);
    expect(event.event_type).toBe(expected);
  });

  it('lets the query operation win over the body operation', async () => {
    const reply = await postStudent(service, customStudentBody({ operation: 'insert' }), {
      query: 'operation=delete',
    });
    expect(reply.body.event_type).toBe('delete');
  });

  it('creates, edits and deletes a student, marking it deleted at the end', async () => {
    const recordId = '5725767000009990001';
    const db = service.database.db;
    await postStudent(service, customStudentBody({ recordId, operation: 'insert' }));
    await service.worker.drain();
    expect((await studentRow(db, recordId))?.city).toBe('Beirut');

    await postStudent(service, customStudentBody({ recordId, operation: 'edit', data: { City: 'Tripoli' } }));
    await service.worker.drain();
    expect((await studentRow(db, recordId))?.city).toBe('Tripoli');

    const deleted = await postStudent(service, customStudentBody({ recordId, operation: 'deleted' }));
    await service.worker.drain();
    expect((await eventRow(db, deleted.body.event_id as string)).status).toBe('completed');
    const student = await studentRow(db, recordId);
    expect(student?.deleted_at).not.toBeNull();
    expect(student?.last_event_id).toBe(deleted.body.event_id);

    const types = await db
      .selectFrom('integration_events_log')
      .select('event_type')
      .where('record_id', '=', recordId)
      .orderBy('id')
      .execute();
    expect(types.map((t) => t.event_type)).toEqual(['insert', 'update', 'delete']);
  });

  it('keeps stored values for fields a delivery does not carry, and empties fields sent empty', async () => {
    const recordId = '5725767000009990002';
    await postStudent(service, customStudentBody({ recordId }));
    const form = new URLSearchParams({ id: recordId, City: 'Sidon', Phone: '' }).toString();
    await postStudent(service, form, {
      contentType: 'application/x-www-form-urlencoded',
      query: 'operation=update',
    });
    await service.worker.drain();
    const student = await studentRow(service.database.db, recordId);
    expect(student).toMatchObject({
      city: 'Sidon',
      phone: null,
      academic_email: 'a01b3900c@student.example.edu',
    });
  });
});

describe('19-digit Zoho ids sent as JSON numbers', () => {
  /** A raw Zoho template that writes `${BTEC_Students.Id}` without quotes sends the id as a number. */
  const rawTemplateBody = (id: string, email: string, where: 'body' | 'data') =>
    where === 'body'
      ? `{"record_id": ${id}, "operation": "insert", "data": {"Academic_Email": "${email}", "Student_ID_Number": ${id}}}`
      : `{"operation": "insert", "data": {"id": ${id}, "Academic_Email": "${email}", "Student_ID_Number": ${id}}}`;

  it.each(['body', 'data'] as const)(
    'keeps two records one id apart as two students (id in the %s)',
    async (where) => {
      const ids = ['4876876000000123457', '4876876000000123458'];
      const replies = [];
      for (const [i, id] of ids.entries())
        replies.push(await postStudent(service, rawTemplateBody(id, `s${i}@student.example.edu`, where)));
      expect(replies.map((r) => r.status)).toEqual([200, 200]);
      await service.worker.drain();

      const db = service.database.db;
      for (const [i, id] of ids.entries()) {
        const event = await eventRow(db, replies[i]?.body.event_id as string);
        expect(event).toMatchObject({ record_id: id, status: 'completed' });
        expect(await studentRow(db, id)).toMatchObject({
          academic_email: `s${i}@student.example.edu`,
          student_id_number: id,
        });
      }
      expect(await studentRow(db, '4876876000000124000')).toBeUndefined();
    },
  );
});

describe('re-deliveries', () => {
  it('marks a second delivery with the same notification_id as duplicate, pointing at the first, and changes nothing', async () => {
    const body = customStudentBody({ notificationId: 'n-1' });
    const first = await postStudent(service, body);
    await service.worker.drain();
    const changed = { ...body, data: { ...(body.data as object), City: 'Changed' } };
    const second = await postStudent(service, changed);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      success: true,
      status: 'duplicate',
      duplicate_of: first.body.event_id,
    });
    await service.worker.drain();
    const row = await eventRow(service.database.db, second.body.event_id as string);
    expect(row).toMatchObject({ status: 'duplicate', duplicate_of: first.body.event_id });
    expect((await studentRow(service.database.db, body.record_id as string))?.city).toBe('Beirut');
  });

  it('does not let an unresolved ${CRMID}_${TIMESTAMP} notification_id make later events duplicates', async () => {
    const template = fixtureJson<Record<string, unknown>>('zoho/student-custom-unresolved.json');
    const first = await postStudent(service, { ...template, record_id: '111' });
    const other = await postStudent(service, {
      ...template,
      record_id: '222',
      data: {
        ...(template.data as object),
        Student_ID_Number: 'X-222',
        Academic_Email: 'x222@student.example.edu',
      },
    });
    const edited = await postStudent(service, {
      ...template,
      record_id: '111',
      data: { ...(template.data as object), City: 'Riyadh' },
    });
    expect([first.body.status, other.body.status, edited.body.status]).toEqual([
      'queued',
      'queued',
      'queued',
    ]);
    expect(first.body.warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('notification_id'), expect.stringContaining('Phone')]),
    );
    await service.worker.drain();
    expect((await eventRow(service.database.db, edited.body.event_id as string)).event_type).toBe('update');
  });

  it('treats the same content for the same record without a delivery id as a re-delivery', async () => {
    const form = fixtureText('zoho/student-form.txt');
    const options = { contentType: 'application/x-www-form-urlencoded', query: 'operation=update' };
    const first = await postStudent(service, form, options);
    const again = await postStudent(service, form, options);
    expect(again.body).toMatchObject({ status: 'duplicate', duplicate_of: first.body.event_id });
  });

  it('compares a delivery without a delivery id with the latest event of its record, also one that had a notification_id, in the same group commit or after', async () => {
    // The first of each pair carries a notification_id and an operation, so it needs no look at the record's
    // history; the second carries neither id, and must still see the first.
    for (const together of [false, true]) {
      const withId = customStudentBody({ operation: 'update' });
      const withoutId = { ...withId };
      delete withoutId.notification_id;
      const [first, second] = together
        ? await Promise.all([postStudent(service, withId), postStudent(service, withoutId)])
        : [await postStudent(service, withId), await postStudent(service, withoutId)];
      expect(first?.body.status).toBe('queued');
      expect(second?.body).toMatchObject({ status: 'duplicate', duplicate_of: first?.body.event_id });
    }
  });

  it('keeps an A -> B -> A sequence of edits (only the latest event of the record is compared)', async () => {
    const options = { contentType: 'application/x-www-form-urlencoded', query: 'operation=update' };
    const a = new URLSearchParams({
      id: '333',
      Academic_Email: 'aba@student.example.edu',
      City: 'A',
    }).toString();
    const b = new URLSearchParams({
      id: '333',
      Academic_Email: 'aba@student.example.edu',
      City: 'B',
    }).toString();
    const replies = [];
    for (const body of [a, b, a]) replies.push((await postStudent(service, body, options)).body.status);
    expect(replies).toEqual(['queued', 'queued', 'queued']);
    await service.worker.drain();
    expect((await studentRow(service.database.db, '333'))?.city).toBe('A');
  });

  it('counts the same content again as new once the dedup window has passed', async () => {
    await service.cleanup();
    service = await startTestService({ DEDUP_WINDOW: '0' }, { threads: false });
    const options = { contentType: 'application/x-www-form-urlencoded', query: 'operation=update' };
    const form = fixtureText('zoho/student-form.txt');
    await postStudent(service, form, options);
    // A fixed pause on purpose: the zero-second window must have passed, whatever the clock's resolution.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await postStudent(service, form, options)).body.status).toBe('queued');
  });
});

describe('operations', () => {
  it('infers insert for an unknown record and update for a known one, and records that it was inferred', async () => {
    const form = (city: string) =>
      new URLSearchParams({ id: '444', Academic_Email: 'inf@student.example.edu', City: city });
    const options = { contentType: 'application/x-www-form-urlencoded' };
    const first = await postStudent(service, form('One').toString(), options);
    const second = await postStudent(service, form('Two').toString(), options);
    expect(first.body.event_type).toBe('insert');
    expect(second.body.event_type).toBe('update');
    const row = await eventRow(service.database.db, second.body.event_id as string);
    expect(JSON.parse(row.payload).operation_source).toBe('inferred');
    expect(JSON.parse(row.warnings ?? '[]').join(' ')).toContain('inferred "update"');
  });

  it('answers 422 for an operation it does not know and stores the event as failed, naming the allowed values', async () => {
    const reply = await postStudent(service, customStudentBody({ operation: 'upsert' }));
    expect(reply.status).toBe(422);
    expect(reply.body).toMatchObject({ error: 'invalid_operation', status: 'failed' });
    expect(reply.body.message).toContain('"upsert"');
    expect(reply.body.message).toContain('insert, update or delete');
    const row = await eventRow(service.database.db, reply.body.event_id as string);
    expect(row.status).toBe('failed');
    expect(row.error_message).toContain('Operation "upsert" is not allowed');
    await service.worker.drain();
    expect((await eventRow(service.database.db, reply.body.event_id as string)).status).toBe('failed');
  });
});

describe('validation failures', () => {
  async function processed(body: object) {
    const reply = await postStudent(service, body);
    expect(reply.status).toBe(200);
    await service.worker.drain();
    return eventRow(service.database.db, reply.body.event_id as string);
  }

  it('fails a student without Academic_Email, saying which record and what to do', async () => {
    const body = customStudentBody({ data: { Academic_Email: '' } });
    const event = await processed(body);
    expect(event.status).toBe('failed');
    expect(event.error_message).toContain('Academic_Email is required');
    expect(event.error_message).toContain(String(body.record_id));
    expect(await studentRow(service.database.db, String(body.record_id))).toBeUndefined();
  });

  it('fails a student whose Academic_Email is not an email address, quoting the value', async () => {
    const event = await processed(customStudentBody({ data: { Academic_Email: 'not-an-email' } }));
    expect(event.status).toBe('failed');
    expect(event.error_code).toBe('validation.academic_email_invalid');
    expect(event.error_message).toContain('"not-an-email"');
    expect(event.error_message).toContain('not a valid email address');
  });

  it('fails a second live record with the same Student_ID_Number, naming both records', async () => {
    const first = customStudentBody({ recordId: '700001', data: { Student_ID_Number: 'SID-1' } });
    expect((await processed(first)).status).toBe('completed');
    const second = customStudentBody({
      recordId: '700002',
      data: { Student_ID_Number: 'SID-1', Academic_Email: 'other@student.example.edu' },
    });
    const event = await processed(second);
    expect(event.status).toBe('failed');
    expect(event.error_code).toBe('validation.student_id_number_taken');
    expect(event.error_message).toContain('"SID-1"');
    expect(event.error_message).toContain('700001');
    expect(event.error_message).toContain('700002');
    expect(await studentRow(service.database.db, '700002')).toBeUndefined();
  });

  it('lets a Student_ID_Number be reused once its holder is deleted', async () => {
    expect(
      (await processed(customStudentBody({ recordId: '700011', data: { Student_ID_Number: 'SID-2' } })))
        .status,
    ).toBe('completed');
    expect((await processed(customStudentBody({ recordId: '700011', operation: 'delete' }))).status).toBe(
      'completed',
    );
    const reuse = customStudentBody({ recordId: '700012', data: { Student_ID_Number: 'SID-2' } });
    expect((await processed(reuse)).status).toBe('completed');
  });

  it('does not apply an event whose Modified_Time is older than the stored one', async () => {
    const recordId = '700021';
    await processed(
      customStudentBody({ recordId, data: { City: 'New', Modified_Time: '2026-11-28T12:00:00+00:00' } }),
    );
    const stale = await processed(
      customStudentBody({
        recordId,
        operation: 'update',
        data: { City: 'Old', Modified_Time: '2026-11-28T11:00:00+00:00' },
      }),
    );
    expect(stale.status).toBe('completed');
    expect(JSON.parse(stale.result ?? '{}').reason).toContain('stale');
    expect((await studentRow(service.database.db, recordId))?.city).toBe('New');
  });
});
