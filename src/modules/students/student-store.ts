import type { Kysely } from 'kysely';
import { prepareQuery } from '../../db/prepared-query.js';
import type { Database, NewStudentRow, StudentRow } from '../../db/schema.js';
import { ProcessingError } from '../../event-log/processing-error.js';
import {
  findMirrorRows,
  findMirrorRowsByRef,
  mirrorMoodleUserHolders,
  searchMirrorRows,
} from '../shared/mirror-queries.js';
import type { PersonMirrorWrite } from '../shared/moodle-users/create-person-handler.js';
import { STUDENT_FIELDS, type StudentData } from './student-fields.js';

/** The students of these Zoho record ids, by record id (one query for a batch of events). */
export function findStudents(
  db: Kysely<Database>,
  zohoRecordIds: string[],
): Promise<Map<string, StudentRow>> {
  return findMirrorRows<StudentRow>(db, 'students', zohoRecordIds);
}

/** Finds students by Zoho record id, Student_ID_Number or Academic_Email (case-insensitive). */
export function findStudentsByRef(db: Kysely<Database>, ref: string): Promise<StudentRow[]> {
  return findMirrorRowsByRef<StudentRow>(db, ref, {
    table: 'students',
    exact: ['student_id_number'],
    anyCase: ['academic_email'],
  });
}

/**
 * Students whose name contains `q`, or whose email, Student_ID_Number or Zoho record id is `q`; newest first.
 * Without `q`, the most recently changed students.
 */
export function searchStudents(
  db: Kysely<Database>,
  options: { q?: string | undefined; limit: number },
): Promise<StudentRow[]> {
  return searchMirrorRows<StudentRow>(db, options, {
    table: 'students',
    exact: ['student_id_number'],
    anyCase: ['academic_email'],
    contains: ['name'],
  });
}

/** The columns a delivery sets: fields it carries, whether filled (a value) or emptied (null); absent ones stay. */
export function studentColumns(data: StudentData): Partial<NewStudentRow> {
  const columns: Partial<Record<string, string | null>> = {};
  for (const field of STUDENT_FIELDS) {
    const value = data[field.apiName];
    if (value !== undefined) columns[field.column] = value;
  }
  return columns as Partial<NewStudentRow>;
}

export type UpsertStudentInput = PersonMirrorWrite;

/**
 * Writes a student into the local mirror (Student_ID_Number uniqueness checked in the same transaction).
 */
export async function upsertStudent(trx: Kysely<Database>, input: UpsertStudentInput): Promise<void> {
  const columns = studentColumns(input.data);
  if (input.moodleUserId !== undefined) columns.moodle_user_id = input.moodleUserId;
  if (input.moodleOwnership !== undefined) columns.moodle_ownership = input.moodleOwnership;
  if (input.deletedAt === null)
    await assertStudentIdAvailable(trx, input.recordId, columns.student_id_number);
  const names = Object.keys(columns) as Array<keyof NewStudentRow>;
  await preparedUpsert(names)(trx, {
    ...columns,
    zoho_record_id: input.recordId,
    deleted_at: input.deletedAt,
    last_event_id: input.eventId,
    now: input.now,
  });
}

type UpsertParams = Partial<NewStudentRow> & { now: string };

/**
 * The upsert of a delivery's set of columns, built once per set (deliveries of one Zoho webhook all carry the
 * same fields): building it anew for every event was the largest CPU cost of an event in the worker, paid while
 * holding SQLite's write lock.
 */
const upserts = new Map<string, (db: Kysely<Database>, p: UpsertParams) => Promise<unknown>>();

function preparedUpsert(names: Array<keyof NewStudentRow>) {
  const key = names.join(',');
  let upsert = upserts.get(key);
  if (!upsert) {
    upsert = prepareQuery((db: Kysely<Database>, p: UpsertParams) => {
      const columns = Object.fromEntries(names.map((name) => [name, p[name]])) as Partial<NewStudentRow>;
      return db
        .insertInto('students')
        .values({
          ...columns,
          zoho_record_id: p.zoho_record_id as string,
          deleted_at: p.deleted_at as string | null,
          last_event_id: p.last_event_id as string,
          created_at: p.now,
          updated_at: p.now,
        })
        .onConflict((oc) =>
          oc.column('zoho_record_id').doUpdateSet({
            ...columns,
            deleted_at: p.deleted_at as string | null,
            last_event_id: p.last_event_id as string,
            updated_at: p.now,
          }),
        );
    });
    // Sets of columns are few; should a sender vary them endlessly, the oldest are forgotten.
    if (upserts.size >= 64) upserts.delete(upserts.keys().next().value as string);
    upserts.set(key, upsert);
  }
  return upsert;
}

/** The Zoho records of the live students linked to these Moodle user ids, by Moodle user id. */
export function studentMoodleUserHolders(
  db: Kysely<Database>,
  userIds: readonly number[],
): Promise<Map<number, string[]>> {
  return mirrorMoodleUserHolders(db, 'students', userIds);
}

/**
 * Fails the event when another live student holds this Student_ID_Number, naming both records. Run before
 * Moodle is called and again inside the writing transaction, so two events cannot both pass.
 */
export async function assertStudentIdAvailable(
  db: Kysely<Database>,
  recordId: string,
  studentId: string | null | undefined,
): Promise<void> {
  if (typeof studentId !== 'string' || studentId === '') return;
  const holder = (await otherLiveHolder(db, { studentId, recordId })).rows[0];
  if (holder) {
    throw new ProcessingError(
      'validation.student_id_number_taken',
      `Student_ID_Number "${studentId}" of Zoho record ${recordId} is already used by another live student, Zoho record ${holder.zoho_record_id}: each student needs a unique Student_ID_Number. Correct one of the two records in Zoho, then retry this event.`,
    );
  }
}

const otherLiveHolder = prepareQuery((db: Kysely<Database>, p: { studentId: string; recordId: string }) =>
  db
    .selectFrom('students')
    .select('zoho_record_id')
    .where('student_id_number', '=', p.studentId)
    .where('zoho_record_id', '!=', p.recordId)
    .where('deleted_at', 'is', null),
);
